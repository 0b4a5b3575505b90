// `rollback --to` / the `to` input: a bad value is a usage error (ConfigError → exit code 2),
// named after the input, with the fix.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { type ReleaseRecord, resolveTarget } from '../../../src/deploy/release-log.js';
import { validateTo } from '../../../src/rollback/run.js';

const rec = (id: string, result: 'success' | 'failed', image: string): ReleaseRecord => ({
  id,
  kind: 'deploy',
  app: 'a',
  environment: 'e',
  image,
  images: { web: image },
  composeHash: 'c',
  envHash: 'e',
  actor: 'x',
  result,
  startedAt: '',
  finishedAt: '',
  timings: {},
});

describe('rollback to: bad values are usage errors', () => {
  it.each(['v1; rm -rf /', '$(id)', '../../etc', 'a b', ''])('%j is refused before any connection', (bad) => {
    let err: unknown;
    try {
      validateTo(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toMatch(
      /^UserError: to: .* is not previous, a release id, a tag or a digest — use previous/,
    );
  });

  it('valid shapes pass: previous, a release id, a tag, a digest', () => {
    for (const ok of ['previous', '20260101T000000Z-abc1234', 'v1.2.3', `sha256:${'a'.repeat(64)}`])
      expect(validateTo(ok)).toBe(ok);
  });

  it('an id that is not recorded, or a failed release, is a usage error listing what can be used', () => {
    const log = [
      rec('20260101T000000Z-a', 'success', 'r@sha256:1'),
      rec('20260102T000000Z-b', 'failed', 'r@sha256:2'),
      rec('20260103T000000Z-c', 'success', 'r@sha256:3'),
    ];
    for (const to of ['20260109T000000Z-z', '20260102T000000Z-b']) {
      let err: unknown;
      try {
        resolveTarget(log, to);
      } catch (e) {
        err = e;
      }
      expect(err, to).toBeInstanceOf(ConfigError);
      expect(String(err), to).toContain('20260101T000000Z-a');
    }
  });
});

describe('rollback --to previous across the keyed env hash', () => {
  const withEnv = (id: string, image: string, envHash: string): ReleaseRecord => ({
    ...rec(id, 'success', image),
    envHash,
  });

  it('a release that differs only in its hash scheme is not a different release', () => {
    const log = [
      withEnv('r1', 'img@sha256:1', 'sha256-of-env-A'),
      withEnv('r2', 'img@sha256:2', 'sha256-of-env-A'),
      // The first deploy after the upgrade: same image and env, hashed with the host's key.
      withEnv('r3', 'img@sha256:2', 'hmac-sha256:abc'),
    ];
    expect(resolveTarget(log, 'previous').id).toBe('r1');
  });

  it('two keyed hashes that differ still make a release to go back to', () => {
    const log = [
      withEnv('r1', 'img@sha256:2', 'hmac-sha256:abc'),
      withEnv('r2', 'img@sha256:2', 'hmac-sha256:def'),
    ];
    expect(resolveTarget(log, 'previous').id).toBe('r1');
  });
});
