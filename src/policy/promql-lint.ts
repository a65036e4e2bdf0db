import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';

/**
 * Lints one SLI query template with Prometheus' own PromQL grammar (the one its web UI uses).
 *
 * - `error`: the query does not parse, or Prometheus would reject it before running it (`rate()`
 *   of something that is not a range). The policy is invalid.
 * - `warning`: a common mistake that can still be intended, so it never rejects a policy:
 *   `rate()` of a name that does not look like a counter (exporters that predate the `_total`
 *   convention exist), a query that may return more than one series, `{{.window}}` outside a
 *   range selector. See README "Lint".
 *
 * Columns are 1-based and count in the query as written, `{{.window}}` and all.
 */
export interface QueryFinding {
  severity: 'error' | 'warning';
  /** 1-based, in the query as written; `line` only counts in a query of several lines. */
  line: number;
  column: number;
  message: string;
}

/** What `{{.window}}` stands for while parsing: any valid duration does. */
const SAMPLE_WINDOW = '5m';
/** Aggregations that keep several series: topk/bottomk/limitk keep the ones they pick, count_values makes one per value. */
const MANY_SERIES_AGGREGATIONS = new Set(['topk', 'bottomk', 'limitk', 'limit_ratio', 'count_values']);
const PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;
const COUNTER_SUFFIXES = ['_total', '_count', '_sum', '_bucket'];
const COUNTER_FUNCTIONS = new Set(['rate', 'increase', 'irate']);
/** Functions whose result has at most one series whatever their argument. */
const ONE_SERIES_FUNCTIONS = new Set(['vector', 'scalar', 'time', 'pi', 'absent', 'absent_over_time']);

interface Substitution {
  /** Where the placeholder starts in the template, and where its stand-in starts in the parsed text. */
  from: number;
  to: number;
  at: number;
}

/** The messages of a query's errors: the schema adds them as problems at the query's key path. */
export function promqlErrors(template: string): string[] {
  return lintQuery(template)
    .filter((finding) => finding.severity === 'error')
    .map((finding) => finding.message);
}

/** A policy's SLIs as the lint needs them: an SLO that takes its SLI from a Sloth or OpenSLO file has none here. */
interface WithQueries {
  slos: ReadonlyArray<{
    sli?: { events?: { errorQuery: string; totalQuery: string }; raw?: { errorRatioQuery: string } };
    sloth?: { file: string };
    openslo?: { file: string };
  }>;
}

/** The warnings of every query in a valid policy, by key path (`slos[0].sli.events.errorQuery`). */
export function policyWarnings(policy: WithQueries): Array<{ keys: PropertyKey[]; message: string }> {
  return policy.slos.flatMap((slo, index) => {
    const { events, raw } = slo.sli ?? {};
    const queries: Array<[PropertyKey[], string]> = [
      ...(events
        ? ([
            [['events', 'errorQuery'], events.errorQuery],
            [['events', 'totalQuery'], events.totalQuery],
          ] as const)
        : []),
      ...(raw ? ([[['raw', 'errorRatioQuery'], raw.errorRatioQuery]] as const) : []),
    ].map(([keys, text]) => [['slos', index, 'sli', ...keys], text]);
    // An SLI read from a Sloth or OpenSLO file is not in the policy file: say where it came from.
    const source = slo.sloth?.file ?? slo.openslo?.file;
    return queries.flatMap(([keys, text]) =>
      lintQuery(text)
        .filter((finding) => finding.severity === 'warning')
        .map((finding) => ({ keys, message: source === undefined ? finding.message : `(the SLI ${source} gives) ${finding.message}` })),
    );
  });
}

export function lintQuery(template: string): QueryFinding[] {
  // An empty query has its own problem (schema.ts).
  if (template.trim() === '') return [];
  const { text, substitutions } = substitute(template);
  // Any other `{{` is already a problem of its own (schema.ts); parsing it would only repeat that.
  if (text.includes('{{')) return [];
  const finding = (severity: QueryFinding['severity'], position: number, say: (where: string) => string): QueryFinding => {
    const at = locate(template, toTemplate(position, substitutions));
    return { severity, ...at, message: say(at.line > 1 || template.includes('\n') ? `line ${at.line}, column ${at.column}` : `column ${at.column}`) };
  };
  const tree = parser.parse(text);
  const findings: QueryFinding[] = [];
  const syntax = firstError(tree.topNode);
  if (syntax) {
    const near = text.slice(syntax.from, syntax.from + 20).split('\n')[0];
    const what = syntax.from >= text.trimEnd().length ? 'the query ends too early' : `unexpected ${JSON.stringify(near)}`;
    return [finding('error', syntax.from, (where) => `is not valid PromQL at ${where}: ${what}`)];
  }
  const top = tree.topNode.firstChild;
  if (!top) return [finding('error', 0, (where) => `is not valid PromQL at ${where}: it holds no expression`)];

  walk(top, (node) => {
    if (node.name !== 'FunctionCall') return;
    const name = functionName(node, text);
    if (!COUNTER_FUNCTIONS.has(name)) return;
    const argument = unwrap(node.getChild('FunctionCallBody')?.firstChild ?? null);
    if (!argument || (argument.name !== 'MatrixSelector' && argument.name !== 'SubqueryExpr')) {
      findings.push(finding('error', node.from, (where) => `${name}() at ${where} needs a range, such as x[{{.window}}]`));
      return;
    }
    const metric = argument.name === 'MatrixSelector' ? metricName(argument.getChild('VectorSelector'), text) : undefined;
    if (metric !== undefined && !COUNTER_SUFFIXES.some((suffix) => metric.endsWith(suffix))) {
      findings.push(
        finding(
          'warning',
          argument.from,
          (where) => `${name}() of ${metric} at ${where}: ${name}() only suits a counter, and counter names end in ${COUNTER_SUFFIXES.join(', ')}`,
        ),
      );
    }
  });

  const spread = manySeries(top, text);
  if (spread) {
    findings.push(
      finding(
        'warning',
        spread.from,
        (where) => `may return more than one series (from ${where}), and the gate needs exactly one: aggregate it, e.g. sum(...)`,
      ),
    );
  }

  for (const s of substitutions) {
    if (!insideRange(tree.resolveInner(s.at, 1), tree.resolveInner(s.at + SAMPLE_WINDOW.length, -1))) {
      findings.push(
        finding('warning', s.at, (where) => `uses {{.window}} outside a range selector at ${where}: it stands for a duration, as in rate(x[{{.window}}])`),
      );
    }
  }
  return findings;
}

function substitute(template: string): { text: string; substitutions: Substitution[] } {
  const substitutions: Substitution[] = [];
  let text = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    text += template.slice(last, match.index);
    substitutions.push({ from: match.index, to: match.index + match[0].length, at: text.length });
    text += SAMPLE_WINDOW;
    last = match.index + match[0].length;
  }
  return { text: text + template.slice(last), substitutions };
}

/** A position in the parsed text, back in the template. */
function toTemplate(position: number, substitutions: readonly Substitution[]): number {
  let shift = 0;
  for (const s of substitutions) {
    if (position < s.at) break;
    if (position < s.at + SAMPLE_WINDOW.length) return s.from;
    shift = s.to - (s.at + SAMPLE_WINDOW.length);
  }
  return position + shift;
}

function locate(template: string, index: number): { line: number; column: number } {
  const before = template.slice(0, index).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function firstError(node: SyntaxNode): SyntaxNode | undefined {
  if (node.type.isError) return node;
  for (let child = node.firstChild; child; child = child.nextSibling) {
    const found = firstError(child);
    if (found) return found;
  }
  return undefined;
}

function walk(node: SyntaxNode, visit: (node: SyntaxNode) => void): void {
  visit(node);
  for (let child = node.firstChild; child; child = child.nextSibling) walk(child, visit);
}

function unwrap(node: SyntaxNode | null): SyntaxNode | null {
  return node?.name === 'ParenExpr' || node?.name === 'OffsetExpr' ? unwrap(node.firstChild) : node;
}

function functionName(call: SyntaxNode, text: string): string {
  const id = call.getChild('FunctionIdentifier');
  return id ? text.slice(id.from, id.to).toLowerCase() : '';
}

/** The metric a selector names, by its name or by `{__name__="..."}`. */
function metricName(selector: SyntaxNode | null, text: string): string | undefined {
  if (!selector) return undefined;
  const id = selector.getChild('Identifier');
  if (id) return text.slice(id.from, id.to);
  for (const matcher of selector.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
    const label = matcher.getChild('LabelName');
    const value = matcher.getChild('StringLiteral');
    if (label && value && text.slice(label.from, label.to) === '__name__' && matcher.getChild('MatchOp')?.getChild('EqlSingle')) {
      return text.slice(value.from + 1, value.to - 1);
    }
  }
  return undefined;
}

/**
 * The first part of the query that may yield more than one series, or undefined when the whole
 * yields at most one: an aggregation without `by`/`without`, a number, a function of those, or
 * any arithmetic of them. A selector of a recording rule (its name has a `:`, Prometheus' naming
 * convention for rules) counts as one: such a rule is aggregated already, as Sloth's are.
 */
function manySeries(node: SyntaxNode, text: string, dropped: readonly string[] = []): SyntaxNode | undefined {
  switch (node.name) {
    case 'NumberDurationLiteral':
    case 'StringLiteral':
      return undefined;
    case 'AggregateExpr': {
      const modifier = node.getChild('AggregateModifier');
      const opNode = node.getChild('AggregateOp');
      const op = opNode ? text.slice(opNode.from, opNode.to).toLowerCase() : '';
      if (MANY_SERIES_AGGREGATIONS.has(op)) return node;
      if (!modifier) return undefined;
      const kept = (modifier.getChild('GroupingLabels')?.getChildren('LabelName') ?? []).map((label) => text.slice(label.from, label.to));
      return modifier.getChild('Without') || kept.some((label) => !dropped.includes(label)) ? node : undefined;
    }
    case 'VectorSelector':
      return metricName(node, text)?.includes(':') ? undefined : node;
    case 'FunctionCall': {
      const name = functionName(node, text);
      if (ONE_SERIES_FUNCTIONS.has(name)) return undefined;
      const body = node.getChild('FunctionCallBody');
      for (const arg of body ? childrenOf(body) : []) {
        // histogram_quantile() folds the `le` buckets into one series: `sum by (le) (...)` is one.
        const found = manySeries(arg, text, name === 'histogram_quantile' ? ['le'] : []);
        if (found) return found;
      }
      return undefined;
    }
    case 'BinaryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'OffsetExpr':
    case 'StepInvariantExpr':
      for (const child of childrenOf(node)) {
        const found = manySeries(child, text, node.name === 'ParenExpr' ? dropped : []);
        if (found) return found;
      }
      return undefined;
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return node;
    default:
      // Operators, modifiers and labels inside the expressions above: nothing to say.
      return undefined;
  }
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
}

/**
 * Whether a placeholder stands where a duration belongs: the range of a selector or subquery, or
 * inside a metric name (`slo:sli_error:ratio_rate{{.window}}`: recording rules named per window,
 * as Sloth's are). Anywhere else (an `offset`, a label value, a number) it is probably a mistake.
 */
function insideRange(start: SyntaxNode, end: SyntaxNode): boolean {
  if (start.name === 'Identifier' && end.name === 'Identifier' && start.from === end.from) return true;
  for (let node: SyntaxNode | null = start; node; node = node.parent) {
    if (node.name === 'DurationExpr') return node.parent?.name === 'MatrixSelector' || node.parent?.name === 'SubqueryExpr';
  }
  return false;
}
