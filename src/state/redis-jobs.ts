import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_ATTEMPTS, type Job, type JobHandler, type JobQueue } from './store.js';

export interface RedisJobsOptions {
  url: string;
  prefix: string;
  backoffMs: number;
  log: { warn(obj: object, msg: string): void };
  /** Logs a connection problem once, however often it repeats. */
  warnOnce: (source: string) => (error: Error) => void;
}

/** What a BullMQ job carries: its kind is the BullMQ job name. */
interface Payload {
  id: string;
  data: Record<string, unknown>;
}

const QUEUE = 'jobs';
const CONCURRENCY = 4;

/**
 * Delayed jobs on BullMQ, under `${prefix}:jobs:`. One id, one pending job: the id is BullMQ's
 * deduplication id (any string, so no encoding), never its job id, because a job id cannot be
 * reused while that job runs, and a re-check reschedules itself from inside its own run. With
 * `replace`, scheduling an id again replaces its delayed job (data and time); with
 * `keepLastIfActive`, scheduling an id whose job is running queues the new one behind it.
 * A job still waiting (due, not yet picked up) is removed first, since `replace` spares it.
 */
export function createRedisJobs(redis: Redis, options: RedisJobsOptions): JobQueue & { close(): Promise<void> } {
  const { url, prefix, backoffMs, log, warnOnce } = options;
  // The queue shares the store's connection, which BullMQ leaves open; the worker's blocking
  // connections are its own, made from the URL (BullMQ requires `maxRetriesPerRequest: null`).
  const queue = new Queue<Payload>(QUEUE, { connection: redis, prefix });
  queue.on('error', warnOnce('job queue'));
  let worker: Worker<Payload> | undefined;
  let handlers: Record<string, JobHandler> = {};
  let onError: (job: Job, error: unknown) => void = () => {};

  /** A run queued behind a running job (`keepLastIfActive`): BullMQ keeps it in this hash until then. */
  const queuedBehindActive = (id: string) => `${queue.qualifiedName}:dn:${id}`;

  const removeIfNotRunning = async (id: string): Promise<void> => {
    const jobId = await queue.getDeduplicationJobId(id);
    // `remove` answers 0 for a job a worker holds: that run goes on.
    if (jobId) await queue.remove(jobId);
  };

  const report = (job: Job, error: unknown) => {
    try {
      onError(job, error);
    } catch (reportError) {
      log.warn({ err: reportError, job: job.id, cause: error }, 'the job error handler threw');
    }
  };

  return {
    async schedule(job, delayMs) {
      await removeIfNotRunning(job.id);
      await queue.add(
        job.kind,
        { id: job.id, data: job.data },
        {
          delay: Math.max(0, Math.round(delayMs)),
          deduplication: { id: job.id, replace: true, keepLastIfActive: true },
          attempts: JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: backoffMs },
          removeOnComplete: true,
          removeOnFail: true,
        },
      );
    },
    async cancel(id) {
      await removeIfNotRunning(id);
      await redis.del(queuedBehindActive(id));
    },
    async pending() {
      const counts = await queue.getJobCounts('delayed', 'waiting', 'prioritized');
      return (counts.delayed ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    },
    process(jobHandlers, errorHandler) {
      handlers = jobHandlers;
      onError = errorHandler;
      if (worker) return;
      worker = new Worker<Payload>(
        QUEUE,
        async (bullJob) => {
          const job = toJob(bullJob);
          const handler = handlers[job.kind];
          if (!handler) {
            // Retried like any failure: during a rolling deploy, a replica that knows the kind may take it.
            throw new Error(`no handler for job kind "${job.kind}" (job ${job.id}); this replica handles: ${Object.keys(handlers).join(', ') || 'none'}`);
          }
          await handler(job);
        },
        { connection: { url, maxRetriesPerRequest: null }, prefix, concurrency: CONCURRENCY },
      );
      worker.on('failed', (bullJob, error) => {
        if (bullJob) report(toJob(bullJob), error);
        else log.warn({ err: error }, 'a job failed and BullMQ no longer knows which');
      });
      worker.on('error', warnOnce('job worker'));
    },
    async close() {
      // A graceful close lets running jobs finish, but waits forever for a Redis that is gone.
      await worker?.close(redis.status !== 'ready');
      await queue.close();
    },
  };
}

function toJob(bullJob: BullJob<Payload>): Job {
  return { id: bullJob.data.id, kind: bullJob.name, data: bullJob.data.data };
}
