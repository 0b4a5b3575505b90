import { describe, expect, it } from 'vitest';
import { type ReleaseRecord, releaseFolder, resolveTarget } from '../../../src/deploy/release-log.js';

const rec = (id: string, image: string, extra: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  id,
  kind: 'deploy',
  app: 'a',
  environment: 'e',
  image,
  images: { web: image },
  composeHash: 'c',
  envHash: 'e',
  actor: 'x',
  result: 'success',
  startedAt: '',
  finishedAt: '',
  timings: {},
  ...extra,
});

describe('rollback records run from their source release folder', () => {
  it('previous after two rollbacks lands on a rollback record, whose folder is its source', () => {
    const log = [
      rec('20260101T000000Z-a', 'r@sha256:1'),
      rec('20260102T000000Z-b', 'r@sha256:2'),
      rec('20260103T000000Z-c', 'r@sha256:1', { kind: 'rollback', source: '20260101T000000Z-a' }),
      rec('20260104T000000Z-d', 'r@sha256:2', { kind: 'rollback', source: '20260102T000000Z-b' }),
    ];
    const target = resolveTarget(log, 'previous');
    expect(target.id).toBe('20260103T000000Z-c');
    expect(releaseFolder(target)).toBe('20260101T000000Z-a');
    expect(releaseFolder(log[1]!)).toBe('20260102T000000Z-b');
  });
});
