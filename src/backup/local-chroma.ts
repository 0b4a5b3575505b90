import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
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

export class LocalChroma {
  private child?: ChildProcess;
  private log = '';
  api!: ChromaApi;

  constructor(
    readonly path: string,
    readonly port: number,
    private readonly command: string[] = defaultChromaCommand(),
  ) {}

  async start(timeoutMs = 60_000): Promise<number> {
    const [cmd, ...args] = this.command;
    this.log = '';
    this.api = new ChromaApi(`http://127.0.0.1:${this.port}`);
    // A stale server on the port would answer the heartbeat and make the drill lie.
    if (await this.api.heartbeat())
      throw new UserError(`port ${this.port}`, 'already serves a Chroma', 'stop it or pick another port');
    const child = spawn(
      cmd!,
      [...args, 'run', '--path', this.path, '--port', String(this.port), '--host', '127.0.0.1'],
      // Own process group, so stop() ends the server and anything it spawned.
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    this.child = child;
    const keep = (c: Buffer) => {
      this.log = (this.log + c.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(
          new UserError(
            `chroma on ${this.path}`,
            `exited with status ${code} before it was healthy:\n${this.log.slice(-1500)}`,
            'check the Chroma version matches the backup',
          ),
        ),
      ),
    );
    exited.catch(() => {});
    return Promise.race([this.api.waitHealthy(timeoutMs), exited]);
  }

  /** SIGTERM to the whole process group, and wait until the port is free again. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const group = -child.pid;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(group, s);
        return true;
      } catch {
        return false; // the group is gone
      }
    };
    if (!signal('SIGTERM')) return;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      if (!signal(0 as unknown as NodeJS.Signals)) break;
    }
    signal('SIGKILL');
    this.child = undefined;
  }
}
