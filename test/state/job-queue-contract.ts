/**
 * What every Store's job queue does (part of the store contract, see store-contract.ts): delayed
 * jobs, one pending per id, run once, retried when they fail. "Did not run" is checked against a
 * sentinel job scheduled later: once it has run, the earlier ones had their chance.
 */
import { describe, expect, it } from 'vitest';
import { JOB_ATTEMPTS, type Job, type Store } from '../../src/state/store.js';
import { deferred, sleep, until } from './timing.js';

/** Timers may fire a millisecond or two early relative to Date.now(). */
const CLOCK_SLACK_MS = 5;

interface Run {
  job: Job;
  at: number;
}

/** Registers the job tests; `open` makes a store that is closed after each test. */
export function describeJobQueueContract(open: () => Promise<Store>): void {
  /** A store processing `recheck` jobs, recording each run; `handle` (given the run's number for that id) may throw or take its time. */
  const processing = async (handle: (job: Job, run: number) => Promise<void> = async () => {}) => {
    const store = await open();
    const runs: Run[] = [];
    const errors: { job: Job; error: unknown }[] = [];
    const ranFor = (id: string) => runs.filter((run) => run.job.id === id);
    store.jobs.process(
      {
        recheck: async (job) => {
          runs.push({ job, at: Date.now() });
          await handle(job, ranFor(job.id).length);
        },
        sentinel: async (job) => void runs.push({ job, at: Date.now() }),
      },
      (job, error) => errors.push({ job, error }),
    );
    /** Waits for a job scheduled after the others: the earlier ones had their chance by then. */
    const settle = async (delayMs = 40) => {
      const id = `sentinel-${Math.random()}`;
      await store.jobs.schedule({ id, kind: 'sentinel', data: {} }, delayMs);
      await until(() => expect(ranFor(id)).toHaveLength(1));
    };
    return { store, runs, errors, ranFor, settle };
  };

  describe('jobs', () => {
    it('runs a scheduled job once, after its delay, with its data', async () => {
      const { store, runs, ranFor, settle } = await processing();
      const scheduledAt = Date.now();
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { number: 1, owner: 'acme' } }, 40);
      await until(() => expect(runs).toHaveLength(1));
      expect(runs[0]!.job).toEqual({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { number: 1, owner: 'acme' } });
      expect(runs[0]!.at).toBeGreaterThanOrEqual(scheduledAt + 40 - CLOCK_SLACK_MS);
      await settle();
      expect(ranFor('recheck:acme/shop#1')).toHaveLength(1);
    });

    it('replaces a pending job when the same id is scheduled again: it runs once, with the new data, at the new time', async () => {
      const { store, ranFor, settle } = await processing();
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { sha: 'old' } }, 30);
      const rescheduledAt = Date.now();
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { sha: 'new' } }, 120);
      await until(() => expect(ranFor('recheck:acme/shop#1')).toHaveLength(1));
      const [run] = ranFor('recheck:acme/shop#1');
      expect(run!.job.data).toEqual({ sha: 'new' });
      expect(run!.at).toBeGreaterThanOrEqual(rescheduledAt + 120 - CLOCK_SLACK_MS);
      await settle();
      expect(ranFor('recheck:acme/shop#1')).toHaveLength(1);
    });

    it('runs a job again when its own handler schedules it again (a re-check that is still blocked)', async () => {
      const { store, ranFor } = await processing(async (job, run) => {
        if (run === 1) await store.jobs.schedule({ ...job, data: { round: 2 } }, 20);
      });
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { round: 1 } }, 0);
      await until(() => expect(ranFor('recheck:acme/shop#1').map((run) => run.job.data)).toEqual([{ round: 1 }, { round: 2 }]));
    });

    it('does not run a cancelled job', async () => {
      const { store, ranFor, settle } = await processing();
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: {} }, 30);
      await store.jobs.cancel('recheck:acme/shop#1');
      await store.jobs.cancel('recheck:never-scheduled');
      await settle(60);
      expect(ranFor('recheck:acme/shop#1')).toHaveLength(0);
    });

    it('cancel also drops a run scheduled while the job was running', async () => {
      const release = deferred();
      const { store, ranFor, settle } = await processing(async (job, run) => {
        if (run !== 1) return;
        await store.jobs.schedule({ ...job, data: { round: 2 } }, 0);
        await release.promise;
      });
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { round: 1 } }, 0);
      await until(() => expect(ranFor('recheck:acme/shop#1')).toHaveLength(1));
      await store.jobs.cancel('recheck:acme/shop#1');
      release.resolve(undefined);
      await settle(60);
      expect(ranFor('recheck:acme/shop#1')).toHaveLength(1);
    });

    it('reports a failing job and tries it again', async () => {
      const { store, runs, errors } = await processing(async (_job, run) => {
        if (run <= 2) throw new Error(`prometheus unreachable (attempt ${run})`);
      });
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { number: 1 } }, 0);
      await until(() => expect(runs).toHaveLength(3));
      expect(errors.map(({ job, error }) => [job.id, job.data, (error as Error).message])).toEqual([
        ['recheck:acme/shop#1', { number: 1 }, 'prometheus unreachable (attempt 1)'],
        ['recheck:acme/shop#1', { number: 1 }, 'prometheus unreachable (attempt 2)'],
      ]);
      await until(async () => expect(await store.jobs.pending()).toBe(0));
    });

    it(`gives up on a job that fails ${JOB_ATTEMPTS} times, and the id can be scheduled again`, async () => {
      let broken = true;
      const { store, ranFor, errors, settle } = await processing(async () => {
        if (broken) throw new Error('still broken');
      });
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: {} }, 0);
      await until(() => expect(errors).toHaveLength(JOB_ATTEMPTS));
      await settle(60);
      expect(ranFor('recheck:acme/shop#1')).toHaveLength(JOB_ATTEMPTS);
      expect(await store.jobs.pending()).toBe(0);

      broken = false;
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: {} }, 0);
      await until(() => expect(ranFor('recheck:acme/shop#1')).toHaveLength(JOB_ATTEMPTS + 1));
      expect(errors).toHaveLength(JOB_ATTEMPTS);
    });

    it('reports a job of an unknown kind instead of crashing', async () => {
      const { store, errors } = await processing();
      await store.jobs.schedule({ id: 'deploy:1', kind: 'deploy-wait', data: { env: 'prod' } }, 0);
      await until(() => expect(errors.length).toBeGreaterThanOrEqual(1));
      expect(errors[0]!.job).toEqual({ id: 'deploy:1', kind: 'deploy-wait', data: { env: 'prod' } });
      expect(String(errors[0]!.error)).toMatch(/no handler for job kind "deploy-wait"/);
      await store.jobs.cancel('deploy:1');
    });

    it('runs jobs that came due before processing started, once it starts', async () => {
      const store = await open();
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: {} }, 0);
      await sleep(30);
      const runs: Job[] = [];
      store.jobs.process({ recheck: async (job) => void runs.push(job) }, () => {});
      await until(() => expect(runs.map((job) => job.id)).toEqual(['recheck:acme/shop#1']));
    });

    it('counts pending jobs: one per id, none once cancelled or run', async () => {
      const { store, ranFor } = await processing();
      expect(await store.jobs.pending()).toBe(0);
      for (const n of [1, 2, 3]) await store.jobs.schedule({ id: `recheck:acme/shop#${n}`, kind: 'recheck', data: {} }, 60_000);
      await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: { again: true } }, 60_000);
      expect(await store.jobs.pending()).toBe(3);
      await store.jobs.cancel('recheck:acme/shop#2');
      expect(await store.jobs.pending()).toBe(2);
      await store.jobs.schedule({ id: 'recheck:acme/shop#3', kind: 'recheck', data: {} }, 0);
      await until(() => expect(ranFor('recheck:acme/shop#3')).toHaveLength(1));
      await until(async () => expect(await store.jobs.pending()).toBe(1));
    });
  });

  it('runs no more jobs once closed', async () => {
    const { store, runs } = await processing();
    await store.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: {} }, 30);
    await store.close();
    await sleep(100);
    expect(runs).toHaveLength(0);
  });
}
