import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { dockerRuntimes, nvidiaSmiQuery } from './commands.js';

export interface GpuInfo {
  index: number;
  name: string;
  driver: string;
  totalMiB: number;
  usedMiB: number;
  freeMiB: number;
}

export interface GpuRequirement {
  minFreeVramMiB: number;
}

/** What `nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,memory.free --format=csv,noheader,nounits` says. */
export type NvidiaSmiVerdict = { ok: true; gpus: GpuInfo[] } | { ok: false; problem: string; fix: string };

export function parseNvidiaSmi(code: number | null, stdout: string, stderr: string): NvidiaSmiVerdict {
  const text = `${stdout}\n${stderr}`;
  if (code === 127 || (/command not found|not found/i.test(stderr) && !stdout.trim())) {
    return {
      ok: false,
      problem: 'nvidia-smi is not installed: no NVIDIA driver on this host',
      fix: 'install the NVIDIA driver (ragship provision --gpu) or move the GPU role to a GPU host',
    };
  }
  if (/Driver\/library version mismatch/i.test(text)) {
    const lib = /NVML library version:\s*([0-9.]+)/.exec(text)?.[1];
    return {
      ok: false,
      problem: `the NVIDIA kernel driver and user-space library versions differ${lib ? ` (library ${lib})` : ''} — typically after a driver upgrade without reboot`,
      fix: 'reboot the host (or reload the nvidia kernel modules) so the driver matches the library',
    };
  }
  if (/couldn't communicate with the NVIDIA driver|NVIDIA driver is not loaded/i.test(text)) {
    return {
      ok: false,
      problem: 'nvidia-smi cannot talk to the NVIDIA driver (not loaded)',
      fix: 'install/load the NVIDIA driver and reboot',
    };
  }
  if (/No devices were found/i.test(text)) {
    return {
      ok: false,
      problem: 'the driver is loaded but no GPU was found',
      fix: 'check that the GPU is attached to this machine (cloud instance type, PCI passthrough)',
    };
  }
  if (code !== 0) {
    return {
      ok: false,
      problem: `nvidia-smi failed with status ${code}: ${text.trim().split('\n')[0]}`,
      fix: 'run nvidia-smi on the host and fix what it reports',
    };
  }
  const gpus: GpuInfo[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length < 6)
      return { ok: false, problem: `unexpected nvidia-smi output: ${line}`, fix: 'update the NVIDIA driver' };
    const [index, name, driver, total, used, free] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const num = (v: string) => (/^[0-9]+$/.test(v) ? Number(v) : Number.NaN);
    gpus.push({
      index: num(index),
      name,
      driver,
      totalMiB: num(total),
      usedMiB: num(used),
      freeMiB: num(free),
    });
  }
  if (gpus.length === 0)
    return { ok: false, problem: 'nvidia-smi listed no GPU', fix: 'check that the GPU is attached' };
  return { ok: true, gpus };
}

export function checkVram(gpus: GpuInfo[], need: GpuRequirement): { ok: boolean; message: string } {
  const best = gpus.reduce((a, b) => (b.freeMiB > a.freeMiB ? b : a));
  if (!(best.freeMiB >= need.minFreeVramMiB)) {
    return {
      ok: false,
      message: `the GPU with the most free memory (#${best.index} ${best.name}) has ${best.freeMiB} MiB free of ${best.totalMiB} MiB; the role needs ${need.minFreeVramMiB} MiB (another process holds ${best.usedMiB} MiB)`,
    };
  }
  return {
    ok: true,
    message: `GPU #${best.index} ${best.name}: ${best.freeMiB} MiB free (driver ${best.driver})`,
  };
}

/** `docker info --format '{{json .Runtimes}}'` must list an nvidia runtime (NVIDIA Container Toolkit). */
export function hasNvidiaRuntime(runtimesJson: string): boolean {
  try {
    const r = JSON.parse(runtimesJson) as Record<string, unknown>;
    return Object.keys(r).some((k) => k.startsWith('nvidia'));
  } catch {
    return false;
  }
}

export async function gpuPreflight(host: Host, need: GpuRequirement, logger: Logger): Promise<GpuInfo[]> {
  const smi = await host.exec(nvidiaSmiQuery, { allowFailure: true });
  const verdict = parseNvidiaSmi(smi.code, smi.stdout, smi.stderr);
  if (!verdict.ok) throw new UserError(`${host.label} GPU preflight`, verdict.problem, verdict.fix);
  const runtimes = await host.exec(dockerRuntimes, { allowFailure: true });
  if (!hasNvidiaRuntime(runtimes.stdout)) {
    throw new UserError(
      `${host.label} GPU preflight`,
      'Docker has no nvidia runtime: the NVIDIA Container Toolkit is not configured',
      'install nvidia-container-toolkit and run `nvidia-ctk runtime configure --runtime=docker`, then restart docker',
    );
  }
  const vram = checkVram(verdict.gpus, need);
  if (!vram.ok)
    throw new UserError(
      `${host.label} GPU preflight`,
      vram.message,
      'stop the process holding GPU memory, or lower gpu.minFreeVramMiB / --gpu-memory-utilization',
    );
  logger.info(`${host.label}: ${vram.message}`);
  return verdict.gpus;
}
