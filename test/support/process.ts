/** Child processes the tests start and watch (the example app, Chroma) and the /proc view of them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Started {
  proc: ChildProcess;
  /** stdout and stderr interleaved, the last `keepChars` of it. */
  log: () => string;
}

/**
 * Spawns `cmd` with `env` (the full environment: callers merge process.env themselves, so they
 * can also drop variables) and collects its output.
 */
export function startProcess(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; keepChars?: number },
): Started {
  const keep = options.keepChars ?? 20_000;
  const proc = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer) => {
    out = (out + d).slice(-keep);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  return { proc, log: () => out };
}

/** Polls `url` until it answers 2xx; fails early with the log when the process exits. */
export async function waitForHttp(url: string, p: Started, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.proc.exitCode !== null) throw new Error(`${url}: process exited (${p.proc.exitCode}):\n${p.log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${p.log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, then resolves once the process has exited (at once if it already has). */
export function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return res();
    proc.once('exit', () => res());
    proc.kill('SIGTERM');
  });
}

/** Parent pids of `pid` up to init, from /proc (the sandbox sshd hosts are this machine). */
export function parentPids(pid: number): number[] {
  const chain: number[] = [];
  for (let p = pid; p > 1; ) {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    chain.push(p);
  }
  return chain;
}
