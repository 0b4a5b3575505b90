import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { ChromaApi } from './chroma-api.js';

/**
 * A Chroma server on the runner, on a given persist dir: the restore drill boots one on the
 * restored data. The default command is the `chroma` CLI of the installed `chromadb` package.
 */
export function defaultChromaCommand(): string[] {
  // The chromadb package does not export its package.json: find its CLI from the main entry.
  try {
    let dir = dirname(createRequire(join(process.cwd(), 'package.json')).resolve('chromadb'));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      const cli = join(dir, 'dist', 'cli.mjs');
      if (existsSync(cli)) return [process.execPath, cli];
    }
  } catch {}
  return ['npx', '--no-install', 'chroma'];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Process groups of drill Chromas still running: killed when this process ends, however it ends. */
const running = new Set<number>();
let hooked = false;
function killGroups(): void {
  for (const pgid of running) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
  }
  running.clear();
}
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // 'exit' covers a normal end and process.exit(); a runner cancelling the step sends SIGINT
  // or SIGTERM, which would otherwise end this process and orphan the detached group.
  process.once('exit', killGroups);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      killGroups();
      process.kill(process.pid, sig);
    });
}

/**
 * The drill's Chroma runs detached, in its own process group (so stop() ends it and anything it
 * spawned), with its output in a log file — never a pipe to this process — and unref'd: nothing
 * of it can keep this process alive or hold its stdout/stderr open. A runner waits for the
 * step's stdio to close, so a server holding them would hang the step after it finished.
 */
export class LocalChroma {
  private child?: ChildProcess;
  private logDir?: string;
  api!: ChromaApi;

  constructor(
    readonly path: string,
    readonly port: number,
    private readonly command: string[] = defaultChromaCommand(),
  ) {}

  /** The tail of the server's log (stdout and stderr). */
  logTail(chars = 1500): string {
    if (!this.logDir) return '';
    try {
      return readFileSync(join(this.logDir, 'chroma.log'), 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }

  async start(timeoutMs = 60_000): Promise<number> {
    if (this.child) await this.stop();
    const [cmd, ...args] = this.command;
    this.api = new ChromaApi(`http://127.0.0.1:${this.port}`);
    // A stale server on the port would answer the heartbeat and make the drill lie.
    if (await this.api.heartbeat())
      throw new UserError(`port ${this.port}`, 'already serves a Chroma', 'stop it or pick another port');
    this.logDir ??= mkdtempSync(join(tmpdir(), 'ragship-chroma-log-'));
    const log = openSync(join(this.logDir, 'chroma.log'), 'w');
    let child: ChildProcess;
    try {
      child = spawn(
        cmd!,
        [...args, 'run', '--path', this.path, '--port', String(this.port), '--host', '127.0.0.1'],
        { stdio: ['ignore', log, log], detached: true },
      );
    } finally {
      closeSync(log); // the child has its own copy
    }
    child.unref();
    this.child = child;
    if (child.pid) {
      running.add(child.pid);
      hookExit();
    }
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) =>
        reject(
          new UserError(`chroma command ${cmd}`, `cannot be started: ${err.message}`, 'check chroma-command'),
        ),
      );
      child.once('exit', (code, signal) =>
        reject(
          new UserError(
            `chroma on ${this.path}`,
            `exited with ${signal ?? `status ${code}`} before it was healthy:\n${this.logTail()}`,
            'check the Chroma version matches the backup',
          ),
        ),
      );
    });
    exited.catch(() => {});
    return Promise.race([this.api.waitHealthy(timeoutMs), exited]);
  }

  /** SIGTERM to the whole process group, SIGKILL after 30 s, and wait until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid) {
      const group = -child.pid;
      const signal = (s: NodeJS.Signals | 0) => {
        try {
          process.kill(group, s);
          return true;
        } catch {
          return false; // the group is gone
        }
      };
      if (signal('SIGTERM')) {
        const deadline = Date.now() + 30_000;
        while (signal(0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (signal('SIGKILL')) while (signal(0)) await new Promise((r) => setTimeout(r, 50));
      } else if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL'); // not a group leader (cannot happen with detached; belt and braces)
      }
      running.delete(child.pid);
    }
    if (this.logDir) rmSync(this.logDir, { recursive: true, force: true });
    this.logDir = undefined;
  }
}
