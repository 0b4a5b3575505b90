import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from 'vitest';
import { NdjsonIndex } from '../../../src/backup/logical.js';

describe('NdjsonIndex (the per-collection hashes of a logical export)', () => {
  test('a multi-byte character split across two chunks hashes the same as in one chunk (the drill once failed with "SHA-256 mismatch")', async () => {
    const lines = [
      '{"kind":"collection","name":"c"}',
      '{"kind":"records","documents":["ünïcode ✓ — 日本語"]}',
      '{"kind":"end"}',
    ];
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const expected = createHash('sha256').update(bytes).digest('hex');
    // Every split point, including the middle of each multi-byte character.
    for (let cut = 1; cut < bytes.length; cut++) {
      const index = new NdjsonIndex();
      await pipeline(
        Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]),
        index,
        new Writable({ write: (_c, _e, cb) => cb() }),
      );
      expect(index.files(), `split at byte ${cut}`).toEqual([
        { path: 'collections/c.ndjson', bytes: bytes.length, sha256: expected },
      ]);
    }
  });
});
