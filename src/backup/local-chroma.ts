import { type ChildProcess, spawn } from 'node:child_process';
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
  try {
    const pkg = createRequire(import.meta.url).resolve('chromadb/package.json');
    return [process.execPath, join(dirname(pkg), 'dist', 'cli.mjs')];
  } catch {
    return ['npx', '--no-install', 'chroma'];
  }
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
    const child = spawn(
      cmd!,
      [...args, 'run', '--path', this.path, '--port', String(this.port), '--host', '127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
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
    this.api = new ChromaApi(`http://127.0.0.1:${this.port}`);
    return Promise.race([this.api.waitHealthy(timeoutMs), exited]);
  }

  /** SIGTERM and wait: the drill's restart must be a clean one. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
