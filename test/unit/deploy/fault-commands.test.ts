// Commands the fault handling relies on, run for real by the local shell where they can be.
import { describe, expect, it } from 'vitest';
import { execLocal } from '../../../src/core/exec.js';
import { freeKiB, oneOffContainers, waitContainers, withTimeout } from '../../../src/deploy/commands.js';

describe('fault-handling commands', () => {
  it('withTimeout bounds a command on the host itself: status 124 when it ran too long, its own status otherwise', async () => {
    const slow = await execLocal(withTimeout(1, ['sleep', '30']), { allowFailure: true, timeoutMs: 60_000 });
    expect(slow.code).toBe(124);
    const quick = await execLocal(withTimeout(30, ['sh', '-c', 'exit 3']), { allowFailure: true });
    expect(quick.code).toBe(3);
    expect(withTimeout(0.2, ['true'])).toEqual(['timeout', '-k', '10', '1', 'true']);
  });

  it('one-off containers are selected by project, service and the compose one-off label', () => {
    expect(oneOffContainers('app-prod-web', 'migrate')).toEqual([
      'docker',
      'ps',
      '--all',
      '--quiet',
      '--no-trunc',
      '--filter',
      'label=com.docker.compose.project=app-prod-web',
      '--filter',
      'label=com.docker.compose.service=migrate',
      '--filter',
      'label=com.docker.compose.oneoff=True',
    ]);
    expect(waitContainers(60, ['a', 'b'])).toEqual(['timeout', '-k', '10', '60', 'docker', 'wait', 'a', 'b']);
  });

  it('freeKiB is POSIX df whose last line’s 4th column is the available KiB', async () => {
    const r = await execLocal(freeKiB('/'));
    const kib = Number(r.stdout.trim().split('\n').at(-1)!.split(/\s+/)[3]);
    expect(kib).toBeGreaterThan(0);
  });
});
