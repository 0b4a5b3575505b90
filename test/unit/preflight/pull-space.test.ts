import { describe, expect, test } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import {
  checkPullSpace,
  manifestBytes,
  pullImagesOf,
  pullSpaceCommands,
} from '../../../src/preflight/pull-space.js';
import { RecordingHost } from '../../support/fake-host.js';

const single = JSON.stringify({
  Ref: 'r',
  SchemaV2Manifest: { config: { size: 100 }, layers: [{ size: 1000 }, { size: 2000 }] },
});
const list = JSON.stringify([
  {
    Descriptor: { platform: { os: 'linux', architecture: 'arm64' } },
    OCIManifest: { layers: [{ size: 9 }] },
  },
  {
    Descriptor: { platform: { os: 'linux', architecture: 'amd64' } },
    OCIManifest: { config: { size: 1 }, layers: [{ size: 5 }] },
  },
]);
const GiB = 2 ** 30;
const df = (freeKiB: number) => ({
  stdout: `Filesystem 1024-blocks Used Available Capacity Mounted\n/dev/x 1 1 ${freeKiB} 1% /\n`,
});

describe('preflight disk floor from the images to pull (issue 17 item 9)', () => {
  test('manifest sizes: config + layers of the host platform, from a single manifest or a list', () => {
    expect(manifestBytes(single, 'linux/amd64')).toBe(3100);
    expect(manifestBytes(list, 'linux/amd64')).toBe(6);
    expect(manifestBytes(list, 'linux/arm64')).toBe(9);
    expect(manifestBytes(list, 'linux/s390x')).toBeUndefined();
    expect(manifestBytes('not json', 'linux/amd64')).toBeUndefined();
  });

  test('plain HTTP (--insecure) only towards a loopback registry', () => {
    expect(pullSpaceCommands.manifest('localhost:5000/a@sha256:1')).toContain('--insecure');
    expect(pullSpaceCommands.manifest('127.0.0.1:5000/a:1')).toContain('--insecure');
    expect(pullSpaceCommands.manifest('ghcr.io/o/a@sha256:1')).not.toContain('--insecure');
    expect(pullSpaceCommands.manifest('localhost.evil.example/a:1')).not.toContain('--insecure');
  });

  test('an image already on the host is skipped; the floor is 2 × registry bytes + minFreeDiskGiB, refused naming host, free and needed', async () => {
    const host = new RecordingHost([
      [/image inspect .*have:1/, { code: 0 }],
      [/image inspect/, { code: 1 }],
      [/docker version/, { stdout: 'linux/amd64\n' }],
      [/manifest inspect/, { stdout: JSON.stringify({ SchemaV2Manifest: { layers: [{ size: GiB }] } }) }],
      [/docker info/, { stdout: '/var/lib/docker\n' }],
      [/^df /, df(2.5 * 1024 * 1024)],
    ]);
    const o = { key: 'deploy@h:22', refs: ['reg/have:1', 'reg/new@sha256:1'], fallbackPath: '/srv' };
    const ok = await checkPullSpace(host, { ...o, marginGiB: 0.5 }, new MemoryLogger());
    expect(ok.images).toEqual([{ ref: 'reg/new@sha256:1', bytes: GiB }]);
    expect(ok.neededBytes).toBe(2.5 * GiB);
    expect(ok.path).toBe('/var/lib/docker');
    expect(host.lines().filter((l) => l.includes('manifest inspect'))).toEqual([
      'docker manifest inspect --verbose reg/new@sha256:1',
    ]);
    // The old floor (the margin alone, 1 GiB) would pass with 2.5 GiB free; the image makes it 3 GiB.
    await expect(checkPullSpace(host, { ...o, marginGiB: 1 }, new MemoryLogger())).rejects.toThrow(
      /deploy@h:22 preflight: 2\.50 GiB free under \/var\/lib\/docker, 3\.00 GiB needed: 1 image\(s\) to pull of 1\.00 GiB/,
    );
  });

  test('nothing to pull: only the margin counts; a size the registry does not give is warned about, not guessed', async () => {
    const host = new RecordingHost([
      [/image inspect/, { code: 1 }],
      [/manifest inspect/, { code: 1, stderr: 'unauthorized' }],
      [/docker info/, { stdout: '/var/lib/docker\n' }],
      [/^df /, df(1024 * 1024)],
    ]);
    const logger = new MemoryLogger();
    const r = await checkPullSpace(
      host,
      { key: 'k', refs: ['reg/x:1'], marginGiB: 1, fallbackPath: '/srv' },
      logger,
    );
    expect(r.neededBytes).toBe(GiB);
    expect(logger.text()).toMatch(/did not give the size of reg\/x:1 \(unauthorized\)/);
    // A registry that stalls (the command times out) is not a preflight failure either.
    const stalled = new RecordingHost([
      [/image inspect/, { code: 1 }],
      [
        /manifest inspect/,
        () => {
          throw new Error('timed out after 15000 ms');
        },
      ],
      [/docker info/, { stdout: '/var/lib/docker\n' }],
      [/^df /, df(1024 * 1024)],
    ]);
    const s = await checkPullSpace(
      stalled,
      { key: 'k', refs: ['reg/x:1'], marginGiB: 0, fallbackPath: '/srv' },
      logger,
    );
    expect(s.images).toEqual([{ ref: 'reg/x:1', bytes: undefined }]);
  });

  test('the images a role pulls: the app image, or its own service image', () => {
    const bundle = { composeFiles: [{ content: 'services:\n  vllm:\n    image: vllm/vllm-openai:v0.6\n' }] };
    expect(pullImagesOf({ appImage: true, service: 'app' }, bundle, 'r@sha256:1')).toEqual(['r@sha256:1']);
    expect(pullImagesOf({ appImage: false, service: 'vllm' }, bundle, 'r@sha256:1')).toEqual([
      'vllm/vllm-openai:v0.6',
    ]);
  });
});
