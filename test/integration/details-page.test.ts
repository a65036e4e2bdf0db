/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The details page as a person sees it: rendered by headless Chromium (Debian's `chromium`,
 * installed by scripts/ensure-chromium.sh when missing) from the real test Prometheus, for a
 * blocked, a passing, a missing-data and a deployment case. Positions are read off the screen
 * and turned into times and values with the axis labels the page shows, then compared with
 * the scenario's numbers and with an independent backtest. Screenshots go to test-artifacts/.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { backtest } from '../../src/backtest/backtest.js';
import { cachedRangeSource } from '../../src/details/cached-range.js';
import { detailsEndpoint } from '../../src/details/endpoint.js';
import { DETAILS_PATH } from '../../src/details/link.js';
import { detailsKey, signDetailsToken, type DetailsSubject } from '../../src/details/token.js';
import type { Octokit } from '../../src/github/pull-request.js';
import { createPrometheusRangeClient } from '../../src/metrics/prometheus-client.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { capturedLog } from '../support/captured-log.js';
import { HOUR, INCIDENT_FROM, OBJECTIVE } from './scenarios.js';

const T0 = inject('dataNow');
const prometheus = createPrometheusRangeClient({ url: inject('prometheusUrl'), timeoutMs: 30_000 });
const key = detailsKey('integration-webhook-secret');
const BROWSER = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
const GAP_FROM = T0 - 2 * HOUR;
const GAP_UNTIL = T0 - 1 * HOUR;
const DEPLOYED_AT = T0 - 4 * HOUR;
const SHA = 'd'.repeat(40);

function sliOf(job: string, gap = false) {
  // A gap: the error query answers nothing between GAP_FROM and GAP_UNTIL (as if the metrics server had lost them).
  const hole = gap ? ` and on() (vector(time()) < ${GAP_FROM} or vector(time()) > ${GAP_UNTIL})` : '';
  return {
    events: {
      errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))${hole}`,
      totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
    },
  };
}

/** One SLO named after its job, with the Workbook paging rules (fast: 1h/5m over 14.4; slow: 6h/30m over 6). */
function policyFor(job: string, gap = false): Policy {
  return parsePolicyText(
    stringify({
      slos: [{ name: job, objective: OBJECTIVE, sli: sliOf(job, gap) }],
      burnRate: { preset: 'workbook-paging' },
      environments: { production: {} },
    }),
  );
}

let browser: Browser | undefined;
let skipReason: string | undefined;
let server: Server | undefined;
let base = '';
let currentPolicy: Policy;

beforeAll(async () => {
  try {
    await promisify(execFile)('bash', ['scripts/ensure-chromium.sh'], { timeout: 600_000 });
    browser = await chromium.launch({ executablePath: BROWSER, args: ['--no-sandbox', '--font-render-hinting=none'] });
  } catch (error) {
    skipReason = `Chromium cannot be installed or started, so the details page is not checked in a browser: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`;
    console.warn(skipReason);
    return;
  }
  await mkdir(ARTIFACTS, { recursive: true });
  const octokit = {
    rest: {
      repos: {
        listDeployments: async () => ({ data: [{ id: 42, environment: 'production', created_at: new Date(DEPLOYED_AT * 1000).toISOString() }] }),
        getDeployment: async () => ({ data: { id: 42, environment: 'production', sha: SHA } }),
      },
    },
  } as unknown as Octokit;
  const handler = detailsEndpoint({
    key,
    log: capturedLog().log,
    now: () => T0 * 1000,
    recheckIntervalMs: 300_000,
    range: cachedRangeSource(prometheus, createMemoryStore(), 60_000, 8),
    octokitFor: async () => octokit,
    loadPolicy: async () => ({ kind: 'policy', policy: currentPolicy }),
  });
  server = createServer((req, res) => void handler(req, res).then((handled) => (handled ? undefined : res.writeHead(404).end())));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** Opens the page of a link for `policy` in a fresh browser page, saving a screenshot. */
async function open(name: string, policy: Policy, subject: DetailsSubject): Promise<Page> {
  currentPolicy = policy;
  const token = signDetailsToken(key, { ...subject, slos: policy.slos.map((s) => s.name), expires: T0 + 3600 });
  const page = await browser!.newPage({ viewport: { width: 900, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text()); // a CSP violation shows here
  });
  const response = await page.goto(`${base}${DETAILS_PATH}${token}`);
  expect(response?.status()).toBe(200);
  await page.screenshot({ path: `${ARTIFACTS}/details-${name}.png`, fullPage: true });
  expect(errors).toEqual([]);
  return page;
}

interface Seen {
  /** Each subpath of the line, as [time (Unix s), value] read back through the axis labels on screen. */
  runs: Array<Array<[number, number]>>;
  /** Shaded periods, as [from, until] times read back the same way. */
  bands: Array<{ kind: string; from: number; until: number }>;
  markers: Array<{ at: number; label: string }>;
  /** Screen pixels per second, for tolerances. */
  pxPerSecond: number;
  pxPerUnit: number;
}

/**
 * What the chart at `index` shows for `series`: the line's points and the bands, converted to
 * times and values from the on-screen positions of the tick labels (as a person reads a chart),
 * not from the code that drew them.
 */
async function read(page: Page, index: number, series: string): Promise<Seen> {
  return page.evaluate(
    ([index, series]) => {
      const svg = document.querySelectorAll('svg')[index] as SVGSVGElement;
      const centre = (el: Element) => {
        const box = el.getBoundingClientRect();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      };
      const valueTicks = [...svg.querySelectorAll('text[data-tick-value]')].map((t) => ({ value: parseFloat(t.textContent), y: centre(t).y }));
      const timeTicks = [...svg.querySelectorAll('text[data-tick-time]')].map((t) => ({ at: Number(t.getAttribute('data-tick-time')), x: centre(t).x }));
      const [v0, v1] = [valueTicks[0]!, valueTicks.at(-1)!];
      const [t0, t1] = [timeTicks[0]!, timeTicks.at(-1)!];
      const valueAt = (y: number) => v0.value + ((y - v0.y) * (v1.value - v0.value)) / (v1.y - v0.y);
      const timeAt = (x: number) => t0.at + ((x - t0.x) * (t1.at - t0.at)) / (t1.x - t0.x);
      const matrix = svg.getScreenCTM()!;
      const toScreen = (x: number, y: number) => new DOMPoint(x, y).matrixTransform(matrix);
      const path = svg.querySelector(`path[data-series="${series}"]`);
      const runs = (path?.getAttribute('d') ?? '')
        .split('M')
        .filter(Boolean)
        .map((sub) =>
          sub
            .replace(/h0$/, '')
            .split('L')
            .map((pair) => {
              const [x, y] = pair.split(' ').map(Number) as [number, number];
              const p = toScreen(x, y);
              return [timeAt(p.x), valueAt(p.y)] as [number, number];
            }),
        );
      const bands = [...svg.querySelectorAll('rect[data-band]')].map((rect) => {
        const box = rect.getBoundingClientRect();
        return { kind: rect.getAttribute('data-band')!, from: timeAt(box.x), until: timeAt(box.x + box.width) };
      });
      const markers = [...svg.querySelectorAll('line[data-marker]')].map((line) => ({
        at: timeAt(line.getBoundingClientRect().x + line.getBoundingClientRect().width / 2),
        label: line.nextElementSibling?.textContent ?? '',
      }));
      return {
        runs,
        bands,
        markers,
        pxPerSecond: Math.abs((t1.x - t0.x) / (t1.at - t0.at)),
        pxPerUnit: Math.abs((v1.y - v0.y) / (v1.value - v0.value)),
      };
    },
    [index, series] as const,
  );
}

/** The blocked periods an independent backtest finds over the page's 6 h span (its steps: every minute up to T0). */
async function backtestEpisodes(policy: Policy) {
  const end = Math.floor(T0 / 60) * 60;
  const result = await backtest({
    policy,
    source: prometheus,
    range: { start: new Date((end - 6 * HOUR) * 1000), end: new Date(end * 1000), stepSeconds: 60 },
  });
  return result.episodes;
}

const near = (actual: number, expected: number, tolerance: number) =>
  expect(Math.abs(actual - expected), `${actual} ≈ ${expected} ± ${tolerance}`).toBeLessThanOrEqual(tolerance);

// A cold page reads 30 days of samples at every step (docs/BENCHMARKS.md): seconds while other suites load the same Prometheus.
describe('the details page in a browser', { timeout: 120_000 }, () => {
  it('shows a blocked change: the 1h line at 20× once the errors began, the fast rule at 14.4×, and the blocked period shaded as the backtest has it', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const policy = policyFor('fast-burn');
    const page = await open('blocked', policy, { repo: 'acme/shop', sha: SHA });
    await expect.poll(() => page.locator('h1').textContent()).toBe('Blocked');
    expect(await page.locator('.reasons li').first().textContent()).toMatch(/^fast-burn burning 20× over 1h and 20× over 5m \(limit 14\.4×\)/);
    expect(await page.locator('main').textContent()).toMatch(/Expected to pass about \d+ min after the errors stop/);
    expect(await page.locator('main').textContent()).toMatch(/slo-gate looks again within 5 min/);

    const seen = await read(page, 0, '1h');
    const pixel = 1.5;
    expect(seen.runs).toHaveLength(1); // no gap
    // The line's corners: between two corners it is straight, so corners at 20× from before T0 - 55m to T0 mean the line is at 20× all along.
    const run = seen.runs[0]!;
    const late = run.filter(([at]) => at >= T0 - 55 * 60);
    const early = run.filter(([at]) => at <= T0 - 2 * HOUR - 60);
    for (const [, value] of late) near(value, 20, pixel / seen.pxPerUnit);
    for (const [, value] of early) near(value, 0.5, pixel / seen.pxPerUnit);
    const before = run.filter(([at]) => at < T0 - 55 * 60).at(-1)!;
    near(before[1], 20, pixel / seen.pxPerUnit); // the last corner before the checked stretch is at 20× too
    near(run.at(-1)![0], T0, 2 / seen.pxPerSecond);
    near(run[0]![0], T0 - 6 * HOUR, 2 / seen.pxPerSecond);
    expect(early.length).toBeGreaterThan(0);

    const episodes = await backtestEpisodes(policy);
    expect(episodes.length).toBeGreaterThan(0);
    expect(seen.bands.map((b) => b.kind)).toEqual(episodes.map((e) => e.state));
    seen.bands.forEach((band, i) => {
      near(band.from, episodes[i]!.start, 2 / seen.pxPerSecond);
      near(band.until, episodes[i]!.end, 2 / seen.pxPerSecond);
    });
    const threshold = await page.locator('svg').first().locator('line[data-threshold="14.4"]').boundingBox();
    const tick = await page.locator('svg').first().locator('text[data-tick-value="0"]').boundingBox();
    near((tick!.y + tick!.height / 2 - (threshold!.y + threshold!.height / 2)) / seen.pxPerUnit, 14.4, 0.2);
    await page.close();
  });

  it('shows a passing change: no shading, every window near 0.5×, the budget line at 50%', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const page = await open('passing', policyFor('healthy'), { repo: 'acme/shop', sha: 'a'.repeat(40) });
    expect(await page.locator('h1').textContent()).toBe('Passing: the error budget is healthy');
    for (const window of ['1h', '5m', '6h', '30m']) {
      const seen = await read(page, 0, window);
      expect(seen.bands).toEqual([]);
      for (const [, value] of seen.runs.flat()) near(value, 0.5, 1.5 / seen.pxPerUnit);
    }
    const budget = await read(page, 2, 'budget');
    for (const [, value] of budget.runs.flat()) near(value, 50, 1.5 / budget.pxPerUnit);
    expect(await page.locator('main').textContent()).not.toContain('Expected to pass');
    await page.close();
  });

  it('shows missing data as a gap in the line, shaded grey, and never draws across it', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const page = await open('missing-data', policyFor('healthy', true), { repo: 'acme/shop', sha: 'e'.repeat(40) }); // another link: pages are cached per link
    const seen = await read(page, 0, '5m');
    expect(seen.runs).toHaveLength(2);
    const tolerance = 2 / seen.pxPerSecond;
    expect(seen.runs[0]!.at(-1)![0]).toBeLessThanOrEqual(GAP_FROM + tolerance);
    expect(seen.runs[1]![0]![0]).toBeGreaterThanOrEqual(GAP_UNTIL - tolerance);
    expect(seen.runs.flat().filter(([at]) => at > GAP_FROM + 60 + tolerance && at < GAP_UNTIL - 60 - tolerance)).toEqual([]);
    const grey = seen.bands.filter((b) => b.kind === 'error');
    expect(grey).toHaveLength(1);
    near(grey[0]!.from, GAP_FROM, 60 + tolerance);
    near(grey[0]!.until, GAP_UNTIL, 60 + tolerance);
    // Now is outside the gap: the page's verdict has data again.
    expect(await page.locator('h1').textContent()).toBe('Passing: the error budget is healthy');
    await page.close();
  });

  it('shows a deployment: its marker at the moment it was created, the incident before it shaded, and the environment named', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const policy = policyFor('incident');
    const page = await open('deployment', policy, { repo: 'acme/shop', deployment: 42 });
    expect(await page.locator('.meta').first().textContent()).toContain(`deployment 42 of ${SHA.slice(0, 7)} to production`);
    const seen = await read(page, 0, '1h');
    expect(seen.markers).toHaveLength(1);
    near(seen.markers[0]!.at, DEPLOYED_AT, 2 / seen.pxPerSecond);
    expect(seen.markers[0]!.label).toBe('this deployment (production)');
    const episodes = await backtestEpisodes(policy);
    expect(episodes.length).toBeGreaterThan(0);
    expect(episodes[0]!.start).toBeGreaterThan(T0 + INCIDENT_FROM);
    seen.bands.forEach((band, i) => near(band.from, episodes[i]!.start, 2 / seen.pxPerSecond));
    await page.screenshot({ path: `${ARTIFACTS}/details-deployment.png`, fullPage: true });
    await page.close();
  });

  it('keeps its text readable: no text smaller than 11 px, and the headline and reasons in the page text', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const page = await open('readable', policyFor('fast-burn'), { repo: 'acme/shop', sha: 'f'.repeat(40) });
    const smallest = await page.evaluate(() => Math.min(...[...document.querySelectorAll('svg text')].map((t) => t.getBoundingClientRect().height)));
    expect(smallest).toBeGreaterThanOrEqual(11);
    expect(await page.locator('h1').isVisible()).toBe(true);
    await page.close();
  });
});
