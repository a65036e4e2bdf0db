import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'probot';

export interface LogLine {
  /** debug, info, warn, error or fatal. */
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A logger for createTestProbot's `log` that keeps every line (debug and up), parsed, for a test to assert on. */
export function capturedLog(): { log: Logger; lines: LogLine[]; at(level: string): LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push({ ...line, level: pino.levels.labels[line.level as number] ?? String(line.level), msg: String(line.msg ?? '') });
      }
      done();
    },
  });
  const log = pino({ level: 'debug' }, stream) as unknown as Logger;
  return { log, lines, at: (level) => lines.filter((l) => l.level === level) };
}
