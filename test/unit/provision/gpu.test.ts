import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import {
  driverProblem,
  gpuStep,
  hasNvidiaRuntime,
  parseNvidiaSmi,
  TOOLKIT_LIST,
} from '../../../src/provision/steps/gpu.js';
import { context, FakeHost, settings, UBUNTU } from './fake-host.js';

// Recorded nvidia-smi outputs (query with and without nounits, and the two common failures).
const SMI_NOUNITS = 'NVIDIA A100-SXM4-80GB, 535.104.05, 81920\nNVIDIA A100-SXM4-80GB, 535.104.05, 81920\n';
const SMI_UNITS = 'NVIDIA GeForce RTX 3090, 525.85.12, 24576 MiB\n';
const SMI_NO_DRIVER =
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n\n";
const DAEMON_WITH_NVIDIA = JSON.stringify({
  runtimes: { nvidia: { args: [], path: 'nvidia-container-runtime' } },
});

function gpuHost(
  smi: { code: number; stdout?: string; stderr?: string },
  opts: { toolkit: boolean; daemonJson?: string },
): FakeHost {
  return new FakeHost([
    [/^nvidia-smi --query-gpu/, smi],
    [
      /^dpkg-query [\s\S]*nvidia-container-toolkit/,
      opts.toolkit ? { stdout: 'nvidia-container-toolkit\tii \n' } : { code: 1 },
    ],
    [/^sh -c '\[ -e .*daemon\.json/, opts.daemonJson ? { stdout: opts.daemonJson } : { code: 3 }],
    [/^docker run --rm --gpus all/, { stdout: 'GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-5c1f…)\n' }],
  ]);
}

describe('GPU host provisioning (recorded nvidia-smi outputs; no GPU here)', () => {
  it('parses nvidia-smi query output with and without units', () => {
    expect(parseNvidiaSmi(SMI_NOUNITS)).toEqual([
      { name: 'NVIDIA A100-SXM4-80GB', driver: '535.104.05', memoryMiB: 81920 },
      { name: 'NVIDIA A100-SXM4-80GB', driver: '535.104.05', memoryMiB: 81920 },
    ]);
    expect(parseNvidiaSmi(SMI_UNITS)).toEqual([
      { name: 'NVIDIA GeForce RTX 3090', driver: '525.85.12', memoryMiB: 24576 },
    ]);
  });

  it('says in words why the driver is unusable', () => {
    expect(driverProblem(127, 'sh: 1: nvidia-smi: not found')).toBe(
      'nvidia-smi is not installed: the NVIDIA driver is missing',
    );
    expect(driverProblem(9, SMI_NO_DRIVER)).toMatch(/cannot talk to the NVIDIA driver \(driver not loaded/);
    expect(driverProblem(6, 'No devices were found')).toBe('the NVIDIA driver is loaded but sees no GPU');
  });

  it('fails with a clear message when the driver is missing and installing it was not asked for', async () => {
    const h = gpuHost({ code: 127, stderr: 'sh: 1: nvidia-smi: not found' }, { toolkit: false });
    const err = await gpuStep.check(context(h, settings({ gpu: true }))).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(
      /GPU host: nvidia-smi is not installed: the NVIDIA driver is missing — install nvidia-driver from Debian non-free/,
    );
    const ubuntu = await gpuStep.check(context(h, settings({ gpu: true }), { os: UBUNTU })).catch((e) => e);
    expect(ubuntu.message).toMatch(/ubuntu-drivers install --gpgpu.*or set gpu-install-driver: true/);
  });

  it('plans the driver (opt-in, Ubuntu), the toolkit and the docker runtime on a bare GPU host', async () => {
    const h = gpuHost({ code: 9, stdout: SMI_NO_DRIVER }, { toolkit: false });
    const changes = await gpuStep.check(
      context(h, settings({ gpu: true, gpuInstallDriver: true }), { os: UBUNTU }),
    );
    expect(changes).toEqual([
      expect.stringMatching(
        /^install the NVIDIA driver \(ubuntu-drivers install --gpgpu; a reboot follows\)/,
      ),
      'install nvidia-container-toolkit from NVIDIA’s apt repository',
      'register the nvidia runtime with Docker (nvidia-ctk runtime configure --runtime=docker)',
    ]);
    expect(h.calls.some((c) => c.line.startsWith('docker run'))).toBe(false);
  });

  it('installs the toolkit from NVIDIA’s repository and configures the runtime when the driver works', async () => {
    const h = gpuHost({ code: 0, stdout: SMI_NOUNITS }, { toolkit: false });
    const ctx = context(h, settings({ gpu: true }));
    await gpuStep.apply(ctx, await gpuStep.check(ctx));
    expect(h.written().get(TOOLKIT_LIST)).toBe(
      'deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit.asc] https://nvidia.github.io/libnvidia-container/stable/deb/amd64 /\n',
    );
    const lines = h.calls.map((c) => c.line);
    // The key, the source list, then the toolkit, in this order (reads and writes left out).
    const apt = (l: string) => l.replace(/^env .* apt-get .* (update|install) /, 'apt-get $1 ');
    const first = lines.findIndex((l) =>
      l.endsWith('install -y --no-install-recommends ca-certificates curl'),
    );
    expect(
      lines
        .slice(first)
        .filter((l) => !/^dpkg-query |mktemp|\[ -e /.test(l))
        .slice(0, 5)
        .map(apt),
    ).toEqual([
      'apt-get install -y --no-install-recommends ca-certificates curl',
      'install -m 0755 -d /etc/apt/keyrings',
      'curl -fsSL --retry 3 -o /etc/apt/keyrings/nvidia-container-toolkit.asc https://nvidia.github.io/libnvidia-container/gpgkey',
      'apt-get update -q',
      'apt-get install -y --no-install-recommends nvidia-container-toolkit',
    ]);
    expect(
      lines.filter((l) =>
        /nvidia-ctk|restart docker|install -y --no-install-recommends nvidia-container-toolkit/.test(l),
      ),
    ).toEqual([
      expect.stringMatching(/install -y --no-install-recommends nvidia-container-toolkit$/),
      'nvidia-ctk runtime configure --runtime=docker',
      'systemctl restart docker',
    ]);
  });

  it('on a ready GPU host runs the test container and reports no change', async () => {
    const h = gpuHost({ code: 0, stdout: SMI_NOUNITS }, { toolkit: true, daemonJson: DAEMON_WITH_NVIDIA });
    const ctx = context(h, settings({ gpu: true }));
    expect(await gpuStep.check(ctx)).toEqual([]);
    expect(h.calls.map((c) => c.line)).toContain('docker run --rm --gpus all ubuntu:24.04 nvidia-smi -L');
    expect(ctx.logger.text()).toMatch(/GPU test container sees: GPU 0: NVIDIA A100/);
    expect(hasNvidiaRuntime('{"runtimes":{}}')).toBe(false);
  });
});
