import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A JSON Lines file being written by any number of concurrent workers. */
export interface JsonLinesWriter {
  /** Appends one line; waits only while the stream's buffer is full. */
  write(obj: unknown): Promise<void>;
  /** Ends the file and waits until it is flushed. */
  close(): Promise<void>;
}

/** Creates (or truncates) `path`, making its folder first. */
export function jsonLinesWriter(path: string): JsonLinesWriter {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path, 'utf8');
  // One shared wait for 'drain': every worker that hits a full buffer waits on the same promise.
  let draining: Promise<unknown> | undefined;
  return {
    async write(obj) {
      if (out.write(`${JSON.stringify(obj)}\n`)) return;
      draining ??= once(out, 'drain').finally(() => {
        draining = undefined;
      });
      await draining;
    },
    async close() {
      out.end();
      await once(out, 'finish');
    },
  };
}
