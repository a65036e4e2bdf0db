/** Text and attribute values for SVG and HTML: the five characters that could end a tag, an attribute or start an entity. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

/** Pixel coordinates to a tenth: exact enough for a screen, and stable text for tests and caches. */
export function px(value: number): string {
  const text = (Math.round(value * 10) / 10).toFixed(1).replace(/\.0$/, '');
  return text === '-0' ? '0' : text;
}
