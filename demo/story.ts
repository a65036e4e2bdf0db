/**
 * The demo's fixed story, as data: one service with a month of quiet history and a 30-minute
 * outage that ends, the repository's policy, the people, and the moments the demo walks through.
 * Times are seconds relative to T0, the minute the demo started: the outage happened within the
 * last hour, so any range query over "now" shows it too.
 */
import { stringify } from 'yaml';
import type { Sampling, SyntheticService } from '../test/support/prometheus-harness.js';

const MINUTE = 60;
const DAY = 86_400;

export const OWNER = 'acme';
export const REPO = 'shop';
export const INSTALLATION_ID = 31337;
export const CONTEXT = 'slo-gate';
export const ENVIRONMENT = 'production';

/** A developer who may push but not bypass, and the admin who may apply `hotfix`. */
export const DEVELOPER = 'dana';
export const ADMIN = 'alice';
export const PERMISSIONS: Readonly<Record<string, string>> = { [DEVELOPER]: 'write', [ADMIN]: 'admin' };

export const INCIDENT_FROM = -60 * MINUTE;
export const INCIDENT_UNTIL = -30 * MINUTE;
export const BASELINE = 0.0002; // 0.02 % of requests fail: burn 0.2, a comfortable month
export const INCIDENT = 0.05; // 5 % fail: burn 50, every gating rule fires

/** The moments the demo stands at, in order. */
export const MOMENTS = {
  /** Ten minutes before the outage. */
  quiet: INCIDENT_FROM - 10 * MINUTE,
  /** Fifteen minutes into it. */
  incident: INCIDENT_FROM + 15 * MINUTE,
  /** Twenty minutes after it ended: every short window is clean again. */
  recovered: INCIDENT_UNTIL + 20 * MINUTE,
} as const;

export const SERVICE: SyntheticService = {
  name: 'checkout',
  requestsPerSecond: 20,
  segments: [
    { from: -32 * DAY, errorFraction: BASELINE },
    { from: INCIDENT_FROM, errorFraction: INCIDENT },
    { from: INCIDENT_UNTIL, errorFraction: BASELINE },
  ],
};

/** A month of minutes, then 15-second samples for the last two hours (the gating rules' 1m window needs them). */
export const SAMPLING: Sampling = { from: -31 * DAY, until: 0, fineFrom: -2 * 3600, coarseStep: 60, fineStep: 15 };

export const SLO_NAME = 'checkout-availability';

/** `.github/slo-gate.yml` on the default branch, as a team would write it. */
export const POLICY = stringify({
  mode: 'enforce',
  context: CONTEXT,
  slos: [
    {
      name: SLO_NAME,
      objective: 99.9,
      sli: {
        events: {
          errorQuery: `sum(rate(http_requests_total{job="${SERVICE.name}",code="500"}[{{.window}}]))`,
          totalQuery: `sum(rate(http_requests_total{job="${SERVICE.name}"}[{{.window}}]))`,
        },
      },
    },
  ],
  bypass: { labels: ['hotfix'], minPermission: 'admin' },
  environments: { [ENVIRONMENT]: { waitFor: '1h' } },
});

export interface StoryPullRequest {
  number: number;
  title: string;
  branch: string;
  /** Each push makes a new head; the first is the one it is opened with. */
  heads: string[];
  /** What it changes (GitHub's files list). */
  files: string[];
}

export const FEATURE: StoryPullRequest = {
  number: 1,
  title: 'Add express checkout',
  branch: 'express-checkout',
  heads: ['1e2a6c0f4b9d8e7a5c3b1f0e9d8c7b6a5f4e3d21', '1f3b7d1a5c9e2b6f0a4d8c3e7b1f5a9d2c6e0b42'],
  files: ['web/checkout/express-checkout.ts', 'web/checkout/express-checkout.test.ts'],
};

export const FIX: StoryPullRequest = {
  number: 2,
  title: 'Raise the payment client timeout',
  branch: 'payment-timeout',
  heads: ['2c4e6a8b0d1f3e5a7c9b2d4f6e8a0c1b3d5f7e93'],
  files: ['services/payments/client.ts'],
};

/** The commit `main` points at, which the deployment to production ships. */
export const MAIN_HEAD = '3a5c7e9b1d2f4a6c8e0b3d5f7a9c1e2b4d6f8a04';
export const DEPLOYMENT = { id: 4001, runId: 9001 };

/** "HH:MM UTC" of a moment relative to T0. */
export function clock(t0: number, at: number): string {
  return `${new Date((t0 + at) * 1000).toISOString().slice(11, 16)} UTC`;
}
