import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { envOverlay, sha256 } from '../../../src/deploy/env-file.js';
import { envHashKey, envHashKeyCommand, keyedEnvHash } from '../../../src/deploy/env-hash.js';
import { RecordingHost } from '../../support/fake-host.js';

describe('envHash is keyed by a per-host secret (issue 17 item 7)', () => {
  test('HMAC-SHA256: stable under one key, different under another, and not the unsalted SHA-256 a guess could confirm', () => {
    const material = envOverlay(['app'], { OPENAI_API_KEY: 'sk-guessable' });
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(keyedEnvHash(a, material)).toMatch(/^hmac-sha256:[a-f0-9]{64}$/);
    expect(keyedEnvHash(a, material)).toBe(keyedEnvHash(a, material));
    expect(keyedEnvHash(a, material)).not.toBe(keyedEnvHash(b, material));
    expect(keyedEnvHash(a, material).slice(12)).not.toBe(sha256(material).slice(7));
  });

  test('the key file is created once on the host: 32 bytes, 0600 in a 0700 ~/.ragship; eight concurrent first uses all read the same key', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ragship-envkey-'));
    try {
      const runs = await Promise.all(
        Array.from({ length: 8 }, () =>
          execLocal([...envHashKeyCommand], { env: { ...process.env, HOME: home } }),
        ),
      );
      const path = join(home, '.ragship', 'env-hash.key');
      expect(new Set(runs.map((r) => r.stdout))).toEqual(new Set([path]));
      const key = readFileSync(path);
      expect(key.length).toBe(32);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, '.ragship')).mode & 0o777).toBe(0o700);
      // No temporary file is left, and a later run keeps the key.
      expect((await execLocal(['ls', '-A', join(home, '.ragship')])).stdout.trim()).toBe('env-hash.key');
      await execLocal([...envHashKeyCommand], { env: { ...process.env, HOME: home } });
      expect(readFileSync(path).equals(key)).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('the key is read through the Host port (a file read), never printed by a command or passed in argv', async () => {
    const key = Buffer.alloc(32, 7);
    const host = new RecordingHost([
      [/ragship-env-hash-key/, { stdout: '/home/deploy/.ragship/env-hash.key' }],
    ]);
    host.files.set('/home/deploy/.ragship/env-hash.key', key.toString('latin1'));
    const got = await envHashKey({
      label: host.label,
      exec: host.exec.bind(host),
      readFile: async (p: string) => {
        await host.readFile(p);
        return host.files.has(p) ? key : undefined;
      },
    });
    expect(got.equals(key)).toBe(true);
    expect(host.lines()).toEqual([
      expect.stringContaining('ragship-env-hash-key'),
      'read /home/deploy/.ragship/env-hash.key',
    ]);
    expect(host.calls.every((c) => !c.line.includes(key.toString('hex')))).toBe(true);
  });

  test('a key file of the wrong size is refused, naming the file and the fix', async () => {
    const host = new RecordingHost([[/ragship-env-hash-key/, { stdout: '/h/.ragship/env-hash.key' }]]);
    await expect(
      envHashKey({ label: 'deploy@h:22', exec: host.exec.bind(host), readFile: async () => Buffer.alloc(5) }),
    ).rejects.toThrow(
      /deploy@h:22 \/h\/.ragship\/env-hash.key: is not a 32-byte env-hash key \(5 bytes\) — remove it/,
    );
  });
});
