import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { sandbox } from '../../support/sandbox.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const run = promisify(execFile);

async function ragship(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', `${ROOT}src/cli/main.ts`, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('ragship build (CLI front door, sandbox engine)', () => {
  test('--no-push builds the fixture and prints the metadata JSON with the computed tags', async () => {
    const r = await ragship([
      '--json',
      'build',
      '--image',
      'ragship-build-cli',
      '--no-push',
      '--context',
      'test/fixtures/build-app',
      '--build-arg',
      `NODE_IMAGE=${sandbox().images.node}`,
      '--ref',
      'refs/tags/v2.1.0',
      '--sha',
      'c0ffee0000000000000000000000000000000001',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      builder: 'buildkit',
      digest: null,
      image: null,
      tags: [
        'ragship-build-cli:2.1.0',
        'ragship-build-cli:2.1',
        'ragship-build-cli:2',
        'ragship-build-cli:sha-c0ffee0',
        'ragship-build-cli:sha-c0ffee0000000000000000000000000000000001',
      ],
    });
    expect(out.imageId).toMatch(/^sha256:/);
  });

  test('an injection string in --tag exits 2 (usage) before docker runs', async () => {
    const r = await ragship([
      'build',
      '--image',
      'ragship-build-cli',
      '--no-push',
      '--tag',
      'x;touch /tmp/ragship-pwned',
      '--sha',
      'c0ffee0000000000000000000000000000000001',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tags\[0\]: "x;touch \/tmp\/ragship-pwned" is not a Docker tag/);
  });
});
