import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import type { PolicyProblem } from '../errors.js';

/** The largest policy file read, in bytes: checked before the text is decoded or parsed. */
export const MAX_POLICY_BYTES = 64 * 1024;
/** Values in one file, counting every alias expansion, and nesting levels. */
export const MAX_NODES = 5_000;
export const MAX_DEPTH = 16;
/** Alias uses in one file, nested expansions included. A policy needs a handful at most. */
export const MAX_ALIASES = 100;
/**
 * Brackets nested deeper than this are refused before the YAML parser sees them: its time and its
 * recursion grow with the nesting. Counted over the raw text, so brackets inside queries and
 * strings count too (a PromQL query nests a few); a policy never comes near it.
 */
const MAX_BRACKET_NESTING = 64;

/** A policy file parsed within bounds: plain data (no shared references, no cycles) and where its keys are. */
export interface BoundedYaml {
  value: unknown;
  /** The 1-based line of the deepest node of `path` that exists, if any. */
  locate: (path: readonly PropertyKey[]) => number | undefined;
}

/**
 * Why a file was refused: `problem` is for the file's own repository (it may quote the YAML
 * parser, which can quote the file); `summary` never quotes the file, for files inherited from
 * elsewhere whose content must not be echoed.
 */
export interface YamlRefusal {
  problem: PolicyProblem;
  summary: string;
}

export type BoundedYamlResult = ({ ok: true } & BoundedYaml) | ({ ok: false } & YamlRefusal);

export const tooLarge = (): YamlRefusal => ({
  problem: { path: '', message: `the policy file is larger than ${MAX_POLICY_BYTES / 1024} KiB` },
  summary: `it is larger than ${MAX_POLICY_BYTES / 1024} KiB`,
});

export const tooDeep = (): YamlRefusal => ({
  problem: { path: '', message: `the policy is too large or too deeply nested (at most ${MAX_NODES} values, ${MAX_DEPTH} levels)` },
  summary: `it has more than ${MAX_NODES} values or ${MAX_DEPTH} levels`,
});

class Refused extends Error {
  constructor(readonly refusal: YamlRefusal) {
    super(refusal.problem.message);
  }
}

/**
 * Parses one policy file with every bound applied before any of it is used: the size in bytes
 * before parsing; then, while turning the YAML into plain data, the number of values (aliases
 * expanded), the depth, the number of alias uses, and aliases that point into themselves. Every
 * refusal is a problem, never a thrown RangeError. Duplicate keys are found here in linear time
 * (the yaml library's own `uniqueKeys` check is quadratic in a mapping's size).
 */
export function parseBoundedYaml(text: string): BoundedYamlResult {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) return { ok: false, ...tooLarge() };
  if (bracketNesting(text) > MAX_BRACKET_NESTING) return { ok: false, ...tooDeep() };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const lineAt = (offset: number) => lines.linePos(offset).line;
  // The first syntax error is the one to fix; the rest are usually its echoes.
  const first = [...doc.errors, ...doc.warnings][0];
  if (first) return { ok: false, ...invalidYaml(firstLine(first.message), lineAt(first.pos[0])) };
  try {
    const value = toPlainData(doc, lineAt);
    return { ok: true, value, locate: (path) => lineOf(doc, lineAt, path) };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, ...error.refusal };
    throw error;
  }
}

function invalidYaml(message: string, line: number | undefined): YamlRefusal {
  const problem: PolicyProblem =
    line === undefined ? { path: '', message: `invalid YAML: ${message}` } : { path: '', message: `invalid YAML: ${message}`, line };
  return { problem, summary: line === undefined ? 'it is not valid YAML' : `it is not valid YAML (line ${line})` };
}

/** The document as plain objects, arrays and scalars, each alias expanded into a copy, within the bounds. */
function toPlainData(doc: Document, lineAt: (offset: number) => number): unknown {
  const targets = aliasTargets(doc);
  const active = new Set<Node>();
  let nodes = 0;
  let aliases = 0;
  const refuse = (message: string, summary: string, node: Node | null | undefined): never => {
    const line = node?.range ? lineAt(node.range[0]) : undefined;
    const { problem } = invalidYaml(message, line);
    throw new Refused({ problem, summary: line === undefined ? summary : `${summary} (line ${line})` });
  };
  const convert = (node: unknown, depth: number): unknown => {
    if (isAlias(node)) {
      const target = targets.get(node);
      if (!target) return refuse('an alias names no anchor defined before it', 'a YAML alias names no anchor', node);
      if (active.has(target)) {
        return refuse('an alias refers to a collection that contains it, which would never end', 'a YAML alias refers to a collection that contains it', node);
      }
      if (++aliases > MAX_ALIASES) return refuse(`more than ${MAX_ALIASES} alias uses`, `it uses YAML aliases more than ${MAX_ALIASES} times`, node);
      return convert(target, depth);
    }
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) throw new Refused(tooDeep());
    if (node === null || node === undefined) return null;
    if (isScalar(node)) return node.value;
    if (isSeq(node) || isMap(node)) active.add(node);
    try {
      if (isSeq(node)) return node.items.map((item) => convert(item, depth + 1));
      if (isMap(node)) {
        const out: Record<string, unknown> = {};
        for (const { key, value } of node.items) {
          const name =
            keyName(key) ??
            refuse('a mapping key must be a plain value, not a collection or an alias', 'a mapping key is not a plain value', isNode(key) ? key : node);
          if (Object.hasOwn(out, name)) refuse('Map keys must be unique', 'a key appears twice in one mapping', isNode(key) ? key : node);
          // defineProperty: a `__proto__` key stays a key (and is then rejected as unknown), never a prototype.
          Object.defineProperty(out, name, { value: convert(value, depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
    } finally {
      active.delete(node as Node);
    }
    return refuse('unsupported YAML node', 'it holds an unsupported YAML node', node as Node);
  };
  return convert(doc.contents, 0);
}

/** How deep `[` and `{` nest in the text, ignoring YAML: an over-estimate of the flow collections' depth. */
function bracketNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return deepest;
}

/** Which node each alias stands for: the last anchor of that name before it, in one pass. */
function aliasTargets(doc: Document): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  return targets;
}

function keyName(key: unknown): string | undefined {
  if (key === null || key === undefined) return '';
  if (!isScalar(key)) return undefined;
  const value: unknown = key.value;
  if (value === null) return '';
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function lineOf(doc: Document, lineAt: (offset: number) => number, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const node: unknown = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) {
      if (node.range) return lineAt(node.range[0]);
    }
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}
