import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CommandError, tail } from './errors.js';
import type { Argv } from './shell.js';

export interface ExecOptions {
  /** Written to stdin, then stdin is closed. Secrets go here, never into argv. */
  input?: string | Buffer | Readable;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** What the error names as the failing step. */
  where?: string;
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The exec port: argv in, result out. Implemented locally here and remotely by RemoteHost. */
export type Exec = (argv: Argv, options?: ExecOptions) => Promise<ExecResult>;

export const execLocal: Exec = (argv, options = {}) =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new Error('execLocal: empty argv'));
    const started = performance.now();
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 2000).unref();
        }, options.timeoutMs)
      : undefined;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      options.onStdout?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      options.onStderr?.(c);
    });
    child.stdin.on('error', () => {}); // the child may exit before reading all input
    if (options.input === undefined) child.stdin.end();
    else if (typeof options.input === 'string' || Buffer.isBuffer(options.input))
      child.stdin.end(options.input);
    else options.input.pipe(child.stdin);
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(
        new CommandError(argv[0] ?? '', null, (err as Error).message, options.where ?? `running ${cmd}`),
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result = { code, signal, stdout, stderr, durationMs: performance.now() - started };
      if (timedOut) {
        return reject(
          new CommandError(
            argv.join(' '),
            null,
            `timed out after ${options.timeoutMs} ms\n${tail(stderr, 10)}`,
            options.where ?? cmd,
          ),
        );
      }
      if (code !== 0 && !options.allowFailure) {
        return reject(
          new CommandError(
            argv.slice(0, 3).join(' '),
            code,
            tail(stderr || stdout),
            options.where ?? cmd,
            signal ?? undefined,
          ),
        );
      }
      resolve(result);
    });
  });
