/**
 * Everything a benchmark starts (child processes, servers) is registered here and closed in
 * reverse order, whether the benchmark finishes, throws, or is interrupted with Ctrl-C.
 */
export interface Resources {
  /**
   * Registers a closer and returns it, made idempotent: call it to close early (in a finally);
   * whatever is still open when the benchmark ends or is interrupted is closed last-registered first.
   */
  add(name: string, close: () => Promise<void>): () => Promise<void>;
}

const CLOSE_WITHIN_MS = 15_000;

/** Runs `work` and closes what it registered, also on SIGINT/SIGTERM (then exits with 130/143). */
export async function withResources<T>(log: (line: string) => void, work: (resources: Resources) => Promise<T>): Promise<T> {
  const closers: Array<() => Promise<void>> = [];
  let closing: Promise<void> | undefined;
  const closeAll = () =>
    (closing ??= (async () => {
      for (const close of [...closers].reverse()) await close();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping everything this benchmark started`);
    void closeAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work({
      add(name, close) {
        let done: Promise<void> | undefined;
        const once = () =>
          (done ??= Promise.race([close(), new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WITHIN_MS).unref())]).catch((error: unknown) =>
            log(`closing ${name} failed: ${(error as Error).message}`),
          ));
        closers.push(once);
        return once;
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeAll();
  }
}
