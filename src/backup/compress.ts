import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { Duplex } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { UserError } from '../core/errors.js';

export type Compression = 'zstd' | 'gzip';

/**
 * A child process as a Duplex: bytes written go to its stdin, its stdout is read; a non-zero
 * exit (or a missing binary) errors the stream. Backpressure both ways; the process is only
 * killed when the stream is destroyed with an error.
 */
export class ProcessDuplex extends Duplex {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private exited = false;

  constructor(
    argv: string[],
    private readonly what: string,
    private readonly missingFix: string,
  ) {
    super();
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const child = this.child;
    child.stderr.on('data', (c: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      if (!this.push(c)) child.stdout.pause();
    });
    // EPIPE when the process died: its exit status reports why.
    child.stdin.on('error', () => {});
    child.on('error', (err: NodeJS.ErrnoException) => {
      this.exited = true;
      this.destroy(
        err.code === 'ENOENT'
          ? new UserError(this.what, `needs \`${argv[0]}\`, which is not installed here`, this.missingFix)
          : err,
      );
    });
    child.on('close', (code, signal) => {
      this.exited = true;
      if (code === 0) this.push(null);
      else
        this.destroy(
          new Error(
            `${this.what}: \`${argv.join(' ')}\` exited with ${signal ?? code}${this.stderr ? `: ${this.stderr.trim().slice(-500)}` : ''}`,
          ),
        );
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.child.stdin.write(chunk)) cb();
    else this.child.stdin.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGKILL');
    cb(err);
  }
}

let zstdFound: boolean | undefined;
/** Whether this machine has the zstd CLI (checked once). */
export function haveZstd(): boolean {
  zstdFound ??= spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
  return zstdFound;
}

/** zstd when the CLI is here, else gzip (Node's zlib). */
export function defaultCompression(): Compression {
  return haveZstd() ? 'zstd' : 'gzip';
}

const ZSTD_FIX = 'install zstd (`apt-get install zstd`), or set compression to gzip';

/**
 * Compressor for `kind`. zstd runs as a child process (its own threads: compression never
 * runs on Node's event loop); gzip uses zlib's thread pool. `zstd -d` / `gzip -d` undo them
 * without flags.
 */
export function compressor(kind: Compression, level?: number): Duplex {
  if (kind === 'zstd')
    return new ProcessDuplex(
      ['zstd', `-${level ?? 3}`, '-T0', '-q', '-c', '-'],
      'zstd compression',
      ZSTD_FIX,
    );
  return createGzip({ level: level ?? 6 });
}

export function decompressor(kind: Compression): Duplex {
  if (kind === 'zstd')
    return new ProcessDuplex(
      ['zstd', '-d', '-q', '-c', '-'],
      'zstd decompression',
      'install zstd (`apt-get install zstd`) to read zstd-compressed backups',
    );
  return createGunzip();
}
