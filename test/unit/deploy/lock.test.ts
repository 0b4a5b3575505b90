// The deploy lock's host-side state machine (commands.lockOp) run for real by the local
// shell: check-and-write under flock, so concurrent acquires have exactly one winner.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { DeployLock, type LockHost, lockOperation, releaseLock } from '../../../src/deploy/lock.js';

const local: LockHost = { label: 'local', exec: (argv, o) => execLocal(argv, o) };
const dirs: string[] = [];
function lockDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'ragship-lock-unit-'));
  dirs.push(root);
  return join(root, 'lock');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const lock = (dir: string, runId: string, ttlSeconds = 60, logger = new MemoryLogger()) =>
  new DeployLock(local, { dir, ttlSeconds, waitSeconds: 0, runId, actor: 'vitest' }, logger);
const owner = (dir: string) => JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8'));

describe('deploy lock state machine (local shell, real flock)', () => {
  it('acquire writes owner.json with the host clock; a second run fails naming the holder; release removes it', async () => {
    const dir = lockDir();
    const a = lock(dir, 'run-a');
    const got = await a.acquire();
    const o = owner(dir);
    expect(o).toMatchObject({ token: got.token, runId: 'run-a', actor: 'vitest' });
    expect(Math.abs(o.expiresAt - (Math.floor(Date.now() / 1000) + 60))).toBeLessThan(30);
    expect(Number.isNaN(Date.parse(o.acquiredAt))).toBe(false);
    await expect(lock(dir, 'run-b').acquire()).rejects.toThrow(/locked by run run-a by vitest/);
    expect(await a.release()).toBe(true);
    expect(() => readFileSync(join(dir, 'owner.json'))).toThrow();
  });

  it('twelve runs acquiring a free lock at once: exactly one wins', async () => {
    const dir = lockDir();
    const runs = Array.from({ length: 12 }, (_, i) => lock(dir, `run-${i}`));
    const results = await Promise.allSettled(runs.map((r) => r.acquire()));
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    expect(owner(dir).token).toBe((winners[0] as PromiseFulfilledResult<{ token: string }>).value.token);
    for (const r of runs) await r.release();
  });

  it('twelve runs taking over one stale lock at once: exactly one wins and says whose lock it took', async () => {
    const dir = lockDir();
    await execLocal(['mkdir', dir]);
    const expired = Math.floor(Date.now() / 1000) - 100;
    writeFileSync(
      join(dir, 'owner.json'),
      `{"token":"dead","runId":"killed-run","actor":"bob","acquiredAt":"x","expiresAt":${expired}}`,
    );
    const loggers = Array.from({ length: 12 }, () => new MemoryLogger());
    const runs = loggers.map((l, i) => lock(dir, `run-${i}`, 60, l));
    const results = await Promise.allSettled(runs.map((r) => r.acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const said = loggers.filter((l) =>
      /taking over a stale deploy lock held by run killed-run/.test(l.text()),
    );
    expect(said).toHaveLength(1);
    for (const r of runs) await r.release();
  });

  it('renew and release with a foreign token leave the lock alone; a lock without owner.json ages by its mtime', async () => {
    const dir = lockDir();
    const a = lock(dir, 'run-a');
    const { token } = await a.acquire();
    const before = readFileSync(join(dir, 'owner.json'), 'utf8');
    const other = 'ab'.repeat(12);
    expect((await lockOperation(local, 'renew', dir, other, 60)).state).toBe('lost');
    expect((await lockOperation(local, 'check', dir, other, 60)).state).toBe('lost');
    expect(await releaseLock(local, dir, other, new MemoryLogger())).toBe(false);
    expect(readFileSync(join(dir, 'owner.json'), 'utf8')).toBe(before);
    expect((await lockOperation(local, 'check', dir, token, 60)).state).toBe('mine');
    expect((await lockOperation(local, 'renew', dir, token, 600)).state).toBe('renewed');
    expect(owner(dir).expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 300);
    expect(owner(dir).runId).toBe('run-a');
    await a.release();
    // An ownerless lock folder (a run killed between mkdir and owner.json, old versions): held until mtime + ttl.
    await execLocal(['mkdir', dir]);
    await expect(lock(dir, 'run-c').acquire()).rejects.toThrow(/unknown owner/);
    await execLocal(['touch', '-d', '@1000000000', dir]);
    await lock(dir, 'run-d').acquire();
    expect(owner(dir).runId).toBe('run-d');
  });

  it('a token that is not hex is refused before any command runs (post-step state is input)', async () => {
    await expect(releaseLock(local, lockDir(), "x'; rm -rf /", new MemoryLogger())).rejects.toThrow(
      /is not a lock token/,
    );
  });

  it('a lock taken over while the old owner’s heartbeat still runs: the heartbeat never rewrites it; the old owner learns it lost', async () => {
    const dir = lockDir();
    const la = new MemoryLogger();
    const a = lock(dir, 'run-a', 3, la); // heartbeat every 1 s
    await a.acquire();
    // The lock expires under run-a (as after a network partition longer than the TTL) ...
    const o = owner(dir);
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ ...o, expiresAt: o.expiresAt - 3600 }));
    const b = lock(dir, 'run-b', 60);
    const { token } = await b.acquire();
    // ... run-a's heartbeat keeps ticking (≥ 3 ticks) and must not touch run-b's owner.json.
    await new Promise((r) => setTimeout(r, 3500));
    expect(owner(dir)).toMatchObject({ token, runId: 'run-b' });
    expect(owner(dir).expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 30);
    await expect(a.assertHeld()).rejects.toThrow(/no longer holds the deploy lock: it is held by run run-b/);
    expect(la.text()).toMatch(/this run lost the deploy lock to run run-b/);
    expect(await a.release()).toBe(false);
    expect(owner(dir).token).toBe(token);
    expect(await b.release()).toBe(true);
  }, 30_000);
});
