/**
 * `npm run demo`: the whole loop on one machine. The real app (`probot run ./lib/index.js`, as in
 * production) runs against a local GitHub simulator and a real Prometheus holding a month of a
 * service's traffic with a 30-minute outage in its last hour. The demo walks a fixed timeline:
 * before the outage, during it, after it. A pass-through in front of Prometheus answers "now" as of
 * the moment the story stands at; everything else (webhooks, statuses, comments, re-checks, the
 * protection rule) is the app doing its real job, narrated as a person would see it on GitHub.
 *
 * Without a terminal, or with CI=true, it runs through once and exits 0. Everything it starts is
 * stopped on exit, also on Ctrl-C (bench/support/resources.ts).
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { buildIfStale, startApp } from '../bench/support/app-process.js';
import { withResources, type Resources } from '../bench/support/resources.js';
import { startTimeShiftProxy } from '../bench/support/time-shift-proxy.js';
import { freePort, startSyntheticPrometheus } from '../test/support/prometheus-harness.js';
import { startGitHubSimulator, type SimulatedReview, type SimulatedStatus } from './github-simulator.js';
import { commentBox, heading, reviewLines, statusLine, type Style } from './narrate.js';
import * as story from './story.js';

/** The shortest RECHECK_INTERVAL the app accepts: how soon a blocked change is looked at again by itself. */
const RECHECK_INTERVAL_S = 30;
/** Probot spaces an installation's writes a second apart: the app is done once GitHub has been quiet this long. */
const QUIET_MS = 1_500;
const STEP_TIMEOUT_MS = 20_000;

export interface DemoOptions {
  /** Pauses between steps, and keeps running until Ctrl-C when there is a details page to open. */
  interactive: boolean;
  pauseMs: number;
  print: (line: string) => void;
}

/** What the demo saw, step by step, for its test: each status, comment and protection-rule review it narrated. */
export interface Observation {
  step: string;
  kind: 'status' | 'comment' | 'review' | 'details';
  /** `#1` / `run 9001`. */
  subject: string;
  state: string | undefined;
  text: string;
}

export interface DemoResult {
  observations: Observation[];
  /** Requests the simulator did not expect (a sign the simulator or the app changed). */
  unexpected: string[];
  /** Log lines at warn or above from the app. */
  warnings: string[];
  seconds: number;
  /** The base URL of everything it started (Prometheus, its clock, GitHub, the app), to check they are gone after. */
  endpoints: string[];
}

export async function runDemo(options: DemoOptions, resources: Resources): Promise<DemoResult> {
  const started = Date.now();
  const style: Style = { color: options.interactive && !process.env.NO_COLOR };
  const say = (...lines: string[]) => lines.forEach((line) => options.print(line));
  const observations: Observation[] = [];
  let step = 'setup';
  const pause = () => (options.pauseMs > 0 ? sleep(options.pauseMs) : Promise.resolve());

  say(heading(style, 'Setting the stage (real Prometheus, local GitHub, the real app)'));
  await buildIfStale((line) => say(`  ${line}`));
  const t0 = Math.floor(Date.now() / 60_000) * 60;
  const at = (moment: number) => story.clock(t0, moment);
  const prometheus = await startSyntheticPrometheus([story.SERVICE], story.SAMPLING, t0);
  resources.add('Prometheus', () => prometheus.stop());
  say(
    `  Prometheus ${prometheus.url}: a month of ${story.SERVICE.name} traffic (${story.SERVICE.requestsPerSecond} requests/s, ${percent(story.BASELINE)} failing),`,
    `    then ${percent(story.INCIDENT)} failing from ${at(story.INCIDENT_FROM)} to ${at(story.INCIDENT_UNTIL)}: ${prometheus.samples.toLocaleString('en')} samples loaded with promtool.`,
  );
  const clock = await startTimeShiftProxy(prometheus.url, t0 + story.MOMENTS.quiet);
  resources.add('Prometheus clock', () => clock.close());

  const webhookSecret = randomBytes(32).toString('hex');
  const github = await startGitHubSimulator({
    owner: story.OWNER,
    repo: story.REPO,
    installationId: story.INSTALLATION_ID,
    files: { '.github/slo-gate.yml': story.POLICY },
    permissions: story.PERMISSIONS,
    mainHead: story.MAIN_HEAD,
    webhookSecret,
  });
  resources.add('GitHub simulator', () => github.close());
  say(`  GitHub simulator ${github.apiBase}: ${story.OWNER}/${story.REPO}, whose default branch holds .github/slo-gate.yml:`);
  say(
    ...story.POLICY.trimEnd()
      .split('\n')
      .map((line) => `  │ ${line}`),
  );

  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const app = await startApp({
    githubHost: github.host,
    prometheusUrl: clock.url,
    webhookSecret,
    recheckInterval: `${RECHECK_INTERVAL_S}s`,
    queryCacheTtl: '0',
    port,
    env: { PUBLIC_URL: publicUrl },
  });
  resources.add('slo-gate', () => app.stop());
  github.deliverTo(app.webhookUrl);
  say(`  slo-gate: probot run ./lib/index.js on ${publicUrl}, RECHECK_INTERVAL=${RECHECK_INTERVAL_S}s, signed webhooks with a throwaway secret.`);
  await pause();

  // --- What a person sees after each event ---------------------------------------------------
  const settle = async () => {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while (Date.now() - github.lastRequestAt() < QUIET_MS && Date.now() < deadline) await sleep(100);
  };
  const showStatus = (number: number, status: SimulatedStatus) => {
    observations.push({ step, kind: 'status', subject: `#${number}`, state: status.state, text: status.description });
    say(...statusLine(style, number, status));
  };
  const showComment = (number: number, since: number) => {
    const comment = github.botComment(number);
    if (!comment) return say('  No comment: slo-gate comments only when there is something to explain.');
    if (Date.parse(comment.updatedAt) < since) return say(`  The comment on #${number} is unchanged.`);
    observations.push({ step, kind: 'comment', subject: `#${number}`, state: undefined, text: comment.body });
    say(...commentBox(style, `Comment on #${number} by slo-gate[bot]:`, comment.body));
  };
  const showReview = (review: SimulatedReview) => {
    observations.push({ step, kind: 'review', subject: `run ${review.runId}`, state: review.state, text: review.comment });
    say(...reviewLines(style, review));
  };
  /** Waits for the app's status on `sha` written at or after `since`, then for it to finish writing. */
  const statusAfter = async (
    sha: string,
    since: number,
    accept: (status: SimulatedStatus) => boolean = (s) => s.state !== 'pending',
    timeoutMs = STEP_TIMEOUT_MS,
  ) => {
    const status = await until(
      () => github.statuses.findLast((s) => s.sha === sha && s.context === story.CONTEXT && s.at >= since && accept(s)),
      timeoutMs,
      `a ${story.CONTEXT} status on ${sha.slice(0, 7)}`,
    );
    await settle();
    return status;
  };
  const reviewAfter = (runId: number, since: number, accept: (review: SimulatedReview) => boolean, timeoutMs = STEP_TIMEOUT_MS) =>
    until(() => github.reviews.find((r) => r.runId === runId && r.at >= since && accept(r)), timeoutMs, `a protection-rule review of run ${runId}`);

  const [firstHead, secondHead] = story.FEATURE.heads as [string, string];
  const fixHead = story.FIX.heads[0]!;

  // 1. Before the outage.
  step = 'quiet';
  say(heading(style, `${at(story.MOMENTS.quiet)}: all quiet. ${story.DEVELOPER} opens #${story.FEATURE.number} "${story.FEATURE.title}"`));
  let since = Date.now();
  await github.openPullRequest({ ...story.FEATURE, sha: firstHead, author: story.DEVELOPER });
  showStatus(story.FEATURE.number, await statusAfter(firstHead, since));
  showComment(story.FEATURE.number, since);
  await pause();

  // 2. The outage: a push to #1 is blocked.
  step = 'incident';
  clock.moveTo(t0 + story.MOMENTS.incident);
  say(
    heading(
      style,
      `${at(story.MOMENTS.incident)}: ${(story.MOMENTS.incident - story.INCIDENT_FROM) / 60} minutes into an outage, ${percent(story.INCIDENT)} of ${story.SERVICE.name} requests fail. ${story.DEVELOPER} pushes to #${story.FEATURE.number}`,
    ),
  );
  since = Date.now();
  await github.pushToPullRequest(story.FEATURE.number, secondHead, story.DEVELOPER);
  showStatus(story.FEATURE.number, await statusAfter(secondHead, since));
  showComment(story.FEATURE.number, since);
  await pause();

  // 3. The fix is blocked too, until an admin applies `hotfix`.
  say(heading(style, `${story.DEVELOPER} opens #${story.FIX.number} "${story.FIX.title}", the fix`));
  since = Date.now();
  await github.openPullRequest({ ...story.FIX, sha: fixHead, author: story.DEVELOPER });
  showStatus(story.FIX.number, await statusAfter(fixHead, since));
  showComment(story.FIX.number, since);
  await pause();

  step = 'hotfix';
  say(heading(style, `${story.ADMIN} (admin) applies the label hotfix to #${story.FIX.number}`));
  since = Date.now();
  await github.addLabel(story.FIX.number, 'hotfix', story.ADMIN);
  showStatus(story.FIX.number, await statusAfter(fixHead, since));
  showComment(story.FIX.number, since);
  await pause();

  // 4. A deployment to production waits behind the protection rule.
  step = 'deployment';
  say(heading(style, `A workflow run deploys main (${story.MAIN_HEAD.slice(0, 7)}) to ${story.ENVIRONMENT}; slo-gate is its protection rule`));
  since = Date.now();
  await github.requestDeployment(
    { deploymentId: story.DEPLOYMENT.id, runId: story.DEPLOYMENT.runId, sha: story.MAIN_HEAD, environment: story.ENVIRONMENT },
    story.ADMIN,
  );
  showReview(await reviewAfter(story.DEPLOYMENT.runId, since, () => true));
  await settle();
  await pause();

  // 5. The outage ends; nobody does anything, and slo-gate notices by itself.
  step = 'recovered';
  clock.moveTo(t0 + story.MOMENTS.recovered);
  say(
    heading(style, `${at(story.MOMENTS.recovered)}: the outage ended at ${at(story.INCIDENT_UNTIL)}. No webhook, no push:`),
    `  slo-gate looks again by itself (every ${RECHECK_INTERVAL_S} s here, RECHECK_INTERVAL), so waiting for it...`,
  );
  since = Date.now();
  const waitMs = (RECHECK_INTERVAL_S + 20) * 1000;
  const [flipped, approved] = await Promise.all([
    statusAfter(secondHead, since, (s) => s.state === 'success', waitMs),
    reviewAfter(story.DEPLOYMENT.runId, since, (r) => r.state !== undefined, waitMs),
  ]);
  say(`  after ${((Math.max(flipped.at, approved.at) - since) / 1000).toFixed(0)} s:`);
  showStatus(story.FEATURE.number, flipped);
  showComment(story.FEATURE.number, since);
  showReview(approved);

  // The details page behind the status (PUBLIC_URL), served by the app itself.
  const details = flipped.targetUrl;
  if (details) {
    step = 'details';
    const page = await fetch(details, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
    const html = await page.text();
    observations.push({ step, kind: 'details', subject: `#${story.FEATURE.number}`, state: String(page.status), text: html });
    const charts = html.match(/<svg\b/g)?.length ?? 0;
    say(`  The details page of #${story.FEATURE.number} (HTTP ${page.status}, ${Math.round(html.length / 1024)} KB of HTML, ${charts} charts).`);
  }

  const { warnings } = app.output();
  say(heading(style, `Done in ${((Date.now() - started) / 1000).toFixed(0)} s`));
  if (github.unexpected.length) say(`  The simulator did not expect: ${github.unexpected.join(', ')}`);
  if (warnings.length) say(`  The app logged ${warnings.length} warning(s); the first: ${warnings[0]}`);
  if (details && options.interactive) {
    say(`  Open the details page in a browser: ${details}`, '  Everything keeps running; press Ctrl-C to stop it all.');
    await new Promise<never>(() => undefined);
  }
  return {
    observations,
    unexpected: [...github.unexpected],
    warnings,
    seconds: (Date.now() - started) / 1000,
    endpoints: [prometheus.url, clock.url, `http://${github.host}`, publicUrl],
  };
}

/** The script: interactive on a terminal without CI=true; exits 0 after one run otherwise, 1 if it failed. */
export async function main(): Promise<number> {
  const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY) && !/^(1|true)$/i.test(process.env.CI ?? '');
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    await withResources(
      // Its Ctrl-C message names the benchmarks it was written for.
      (line) => print(line.replace('this benchmark', 'the demo')),
      (resources) => runDemo({ interactive, pauseMs: interactive ? 1_500 : 0, print }, resources),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`\nThe demo failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

async function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

/** 0.0002 as "0.02 %". */
function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))} %`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main());
