import { UserError } from '../../core/errors.js';
import type { Argv } from '../../core/shell.js';
import type { Step, StepContext } from '../step.js';
import { DAEMON_JSON } from './logs.js';
import { aptInstall, aptUpdate, fetchAptKey, installed } from './packages.js';

export interface Gpu {
  name: string;
  driver: string;
  memoryMiB: number;
}

export const NVIDIA_SMI_QUERY: Argv = [
  'nvidia-smi',
  '--query-gpu=name,driver_version,memory.total',
  '--format=csv,noheader,nounits',
];
export const TOOLKIT_LIST = '/etc/apt/sources.list.d/nvidia-container-toolkit.list';
export const TOOLKIT_KEY = '/etc/apt/keyrings/nvidia-container-toolkit.asc';

/** `nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader,nounits` lines. */
export function parseNvidiaSmi(text: string): Gpu[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [name, driver, mem] = line.split(',').map((s) => s.trim());
      const memoryMiB = Number((mem ?? '').replace(/\s*MiB$/, ''));
      if (!name || !driver || !Number.isFinite(memoryMiB))
        throw new Error(`unexpected nvidia-smi line: ${line}`);
      return { name, driver, memoryMiB };
    });
}

/** Why nvidia-smi failed, in words a person can act on. */
export function driverProblem(code: number | null, output: string): string {
  if (code === 127 || /not found/i.test(output))
    return 'nvidia-smi is not installed: the NVIDIA driver is missing';
  if (/couldn't communicate with the NVIDIA driver|NVIDIA-SMI has failed/i.test(output)) {
    return 'nvidia-smi cannot talk to the NVIDIA driver (driver not loaded: reboot after installing it, or the kernel module does not match the running kernel)';
  }
  if (/No devices were found/i.test(output)) return 'the NVIDIA driver is loaded but sees no GPU';
  return `nvidia-smi failed (${code}): ${output.trim().split('\n').pop()}`;
}

export function toolkitList(arch: string): string {
  return `deb [signed-by=${TOOLKIT_KEY}] https://nvidia.github.io/libnvidia-container/stable/deb/${arch} /\n`;
}

export function hasNvidiaRuntime(daemonJson: string | undefined): boolean {
  if (!daemonJson?.trim()) return false;
  try {
    const doc = JSON.parse(daemonJson) as { runtimes?: Record<string, unknown> };
    return !!doc.runtimes?.nvidia;
  } catch {
    return false;
  }
}

async function gpus(ctx: StepContext): Promise<{ gpus?: Gpu[]; problem?: string }> {
  const r = await ctx.target.run(NVIDIA_SMI_QUERY, { allowFailure: true });
  if (r.code !== 0) return { problem: driverProblem(r.code, `${r.stderr}\n${r.stdout}`) };
  const list = parseNvidiaSmi(r.stdout);
  return list.length ? { gpus: list } : { problem: 'the NVIDIA driver is loaded but sees no GPU' };
}

function missingDriver(ctx: StepContext, problem: string): never {
  const fix =
    ctx.os.id === 'ubuntu'
      ? 'install the driver (`ubuntu-drivers install --gpgpu`, then reboot), or set gpu-install-driver: true'
      : 'install nvidia-driver from Debian non-free (then reboot); ragship does not install drivers on Debian';
  throw new UserError(ctx.target.label, `GPU host: ${problem}`, fix);
}

export const gpuStep: Step = {
  id: 'gpu',
  title: 'GPU: driver, NVIDIA container toolkit, docker runtime, test container',
  async check(ctx) {
    const changes: string[] = [];
    const found = await gpus(ctx);
    if (found.problem) {
      if (!ctx.settings.gpuInstallDriver || ctx.os.id !== 'ubuntu') missingDriver(ctx, found.problem);
      changes.push(
        `install the NVIDIA driver (ubuntu-drivers install --gpgpu; a reboot follows): ${found.problem}`,
      );
    } else {
      ctx.logger.info(
        `${ctx.target.label}: ${found.gpus!.map((g) => `${g.name} (driver ${g.driver}, ${g.memoryMiB} MiB)`).join('; ')}`,
      );
    }
    if (!(await installed(ctx.target, ['nvidia-container-toolkit'])).has('nvidia-container-toolkit'))
      changes.push('install nvidia-container-toolkit from NVIDIA’s apt repository');
    if (!hasNvidiaRuntime(await ctx.target.readFile(DAEMON_JSON)))
      changes.push('register the nvidia runtime with Docker (nvidia-ctk runtime configure --runtime=docker)');
    if (changes.length === 0) {
      const run = await ctx.target.run(
        ['docker', 'run', '--rm', '--gpus', 'all', ctx.settings.gpuTestImage, 'nvidia-smi', '-L'],
        { allowFailure: true, timeoutMs: 600_000 },
      );
      if (run.code !== 0) {
        throw new UserError(
          ctx.target.label,
          `the GPU test container failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`,
          'check `nvidia-ctk runtime configure` and restart docker',
        );
      }
      ctx.logger.info(`${ctx.target.label}: GPU test container sees: ${run.stdout.trim()}`);
    }
    return changes;
  },
  async apply(ctx, changes) {
    const t = ctx.target;
    if (changes.some((c) => c.startsWith('install the NVIDIA driver'))) {
      await t.run(aptUpdate(), { timeoutMs: 900_000 });
      await t.run(aptInstall(['ubuntu-drivers-common']), { timeoutMs: 900_000 });
      await t.run(['ubuntu-drivers', 'install', '--gpgpu'], { timeoutMs: 1_800_000 });
      throw new UserError(
        t.label,
        'the NVIDIA driver was installed and needs a reboot',
        'reboot the host, then run provision again',
      );
    }
    if (changes.some((c) => c.startsWith('install nvidia-container-toolkit'))) {
      await fetchAptKey(t, TOOLKIT_KEY, 'https://nvidia.github.io/libnvidia-container/gpgkey');
      await t.writeFile(TOOLKIT_LIST, toolkitList(ctx.os.arch));
      await t.run(aptUpdate(), { timeoutMs: 900_000 });
      await t.run(aptInstall(['nvidia-container-toolkit']), { timeoutMs: 1_800_000 });
    }
    if (!hasNvidiaRuntime(await t.readFile(DAEMON_JSON))) {
      await t.run(['nvidia-ctk', 'runtime', 'configure', '--runtime=docker']);
      await t.run(['systemctl', 'restart', 'docker'], { timeoutMs: 180_000 });
    }
  },
};
