import { describe, expect, test } from 'vitest';
import { commands, onMount, SNAPSHOT_LABEL } from '../../../src/backup/physical.js';

describe('local snapshot commands (argv, never a shell string)', () => {
  test.each([
    [[{ Destination: '/data' }], '/data', true],
    [[{ Destination: '/data/' }], '/data/chroma', true],
    [[{ Destination: '/var' }], '/data', false],
    [[{ Destination: '/dat' }], '/data', false],
    [[], '/data', false],
  ])('mounts %j hold %s: %s', (mounts, path, expected) => {
    expect(onMount(mounts, path)).toBe(expected);
  });

  test('the copy runs in a throwaway container of the same image, offline, with reflinks where the filesystem has them', () => {
    expect(commands.snapshotCopy('app-chroma-1', 'sha256:abc', 'snap', '/data')).toEqual([
      'docker',
      'run',
      '--rm',
      '--network',
      'none',
      '--label',
      `${SNAPSHOT_LABEL}=app-chroma-1`,
      '--volumes-from',
      'app-chroma-1',
      '-v',
      'snap:/ragship-snapshot',
      '--entrypoint',
      'cp',
      'sha256:abc',
      '-a',
      '--reflink=auto',
      '/data',
      '/ragship-snapshot/',
    ]);
  });

  test('the snapshot streams as the same tar `docker cp` of the container writes (top folder = persist dir name)', () => {
    expect(commands.snapshotCopyOut('holder', '/var/lib/chroma')).toEqual([
      'docker',
      'cp',
      'holder:/ragship-snapshot/chroma',
      '-',
    ]);
    expect(commands.copyOut('app-chroma-1', '/var/lib/chroma')).toEqual([
      'docker',
      'cp',
      'app-chroma-1:/var/lib/chroma',
      '-',
    ]);
  });

  test('leftovers of killed runs are found by the label of their source container only', () => {
    expect(commands.snapshotLeftovers('app-chroma-1', 'volume')).toEqual([
      'docker',
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=${SNAPSHOT_LABEL}=app-chroma-1`,
    ]);
  });
});
