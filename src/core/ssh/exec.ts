import { PassThrough, type Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { CommandError, tail, UserError } from '../errors.js';
import type { ExecOptions, ExecResult } from '../exec.js';
import type { InteractiveExecOptions, RemoteExecOptions, StreamExecOptions } from '../host.js';
import { type Argv, commandLine } from '../shell.js';

/** Linux MAX_ARG_STRLEN (32 pages) minus the terminating NUL. */
const MAX_COMMAND_LINE_BYTES = 131_071;

/**
 * sshd hands the command line to the login shell as ONE argument, and Linux caps a single
 * argument at 128 KiB (MAX_ARG_STRLEN): refuse early with a fix instead of "Argument list too long".
 */
export function commandLineFor(argv: Argv, where: string): string {
  const line = commandLine(argv);
  const bytes = Buffer.byteLength(line);
  if (bytes > MAX_COMMAND_LINE_BYTES) {
    throw new UserError(
      where,
      `the command line is ${bytes} bytes (\`${describe(argv)}\`); a host's shell accepts at most ${MAX_COMMAND_LINE_BYTES}`,
      'send large data through stdin (exec input / execStream) or upload() a file instead of an argument',
    );
  }
  return line;
}

/**
 * Runs one command line on a channel of `client`. A non-zero exit, a signal, or a channel that
 * closes without an exit status is an error carrying the command and the tail of stderr.
 * `reject` is the owner's (it also fires when the connection drops).
 */
export function execOnChannel(
  client: Client,
  line: string,
  argv: Argv,
  options: RemoteExecOptions,
  where: string,
  reject: (err: Error) => void,
): Promise<ExecResult> {
  const started = performance.now();
  return new Promise<ExecResult>((resolve) => {
    client.exec(line, (err, channel) => {
      if (err) return reject(new CommandError(argv[0] ?? '', null, err.message, where));
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | null = null;
      let gotExit = false;
      const timer = options.timeoutMs
        ? setTimeout(() => {
            channel.signal('KILL');
            channel.close();
            reject(
              new CommandError(
                argv.join(' ').slice(0, 200),
                null,
                `timed out after ${options.timeoutMs} ms\n${tail(stderr, 10)}`,
                where,
              ),
            );
          }, options.timeoutMs)
        : undefined;
      channel.setEncoding('utf8');
      channel.on('data', (c: string) => {
        stdout += c;
        options.onStdout?.(c);
      });
      channel.stderr.setEncoding('utf8');
      channel.stderr.on('data', (c: string) => {
        stderr += c;
        options.onStderr?.(c);
      });
      channel.on('exit', (c: number | null, s?: string) => {
        gotExit = true;
        code = c;
        signal = s ?? null;
      });
      channel.on('close', () => {
        if (timer) clearTimeout(timer);
        const name = describe(argv);
        if (!gotExit || code === null) {
          return reject(
            new CommandError(
              name,
              null,
              tail(stderr || 'no exit status received'),
              where,
              signal ?? undefined,
            ),
          );
        }
        if (code !== 0 && !options.allowFailure) {
          return reject(new CommandError(name, code, tail(stderr || stdout), where));
        }
        resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
      });
      feed(channel, options.input);
    });
  });
}

/**
 * Runs one command line with streaming stdout: nothing is buffered beyond the stream's
 * high-water mark, and backpressure reaches the remote command. `done` rejects like exec
 * does; the stdout stream then errors too.
 */
export function execStreamOnChannel(
  client: Client,
  line: string,
  argv: Argv,
  options: StreamExecOptions,
  where: string,
  track: (run: (reject: (err: Error) => void) => Promise<ExecResult>) => Promise<ExecResult>,
): { stdout: Readable; done: Promise<ExecResult> } {
  const out = new PassThrough();
  // `done` carries the failure; a consumer that only awaits `done` must not crash on the stream error.
  out.on('error', () => {});
  const started = performance.now();
  const done = track(
    (reject) =>
      new Promise<ExecResult>((resolve) => {
        client.exec(line, (err, channel) => {
          if (err) return reject(new CommandError(argv[0] ?? '', null, err.message, where));
          let stderr = '';
          let code: number | null = null;
          let signal: string | null = null;
          channel.stderr.setEncoding('utf8');
          channel.stderr.on('data', (c: string) => {
            stderr = (stderr + c).slice(-8192);
            options.onStderr?.(c);
          });
          channel.on('exit', (c: number | null, s?: string) => {
            code = c;
            signal = s ?? null;
          });
          channel.pipe(out, { end: false });
          channel.on('close', () => {
            if (code !== 0) {
              return reject(new CommandError(describe(argv), code, tail(stderr), where, signal ?? undefined));
            }
            out.end();
            resolve({ code, signal: null, stdout: '', stderr, durationMs: performance.now() - started });
          });
          feed(channel, options.input);
        });
      }),
  );
  done.catch((e) => out.destroy(e));
  return { stdout: out, done };
}

/**
 * Runs one command line interactively (`ragship exec -i/-it`): `stdin` is piped into the channel
 * (its end is the command's EOF), the channel's output out as it arrives; with `pty` the host
 * allocates a terminal of that size. Resolves with the exit status (null on a signal); only a
 * dropped connection rejects.
 */
export function execInteractiveOnChannel(
  client: Client,
  line: string,
  argv: Argv,
  o: InteractiveExecOptions,
  where: string,
  reject: (err: Error) => void,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    const opts = o.pty ? { pty: { rows: o.pty.rows, cols: o.pty.cols, term: o.pty.term } } : {};
    client.exec(line, opts, (err, channel) => {
      if (err) return reject(new CommandError(argv[0] ?? '', null, err.message, where));
      let code: number | null = null;
      let signal: string | null = null;
      channel.on('data', (c: Buffer) => o.stdout.write(c));
      channel.stderr.on('data', (c: Buffer) => o.stderr.write(c));
      channel.on('exit', (c: number | null, s?: string) => {
        code = c ?? null;
        signal = s ?? null;
      });
      o.onResize?.((rows, cols) => channel.setWindow(rows, cols, 0, 0));
      channel.on('close', () => {
        o.stdin.unpipe(channel);
        resolve({ code, signal });
      });
      o.stdin.pipe(channel);
    });
  });
}

function describe(argv: Argv): string {
  // Name the program (and sub-command) without dumping long or sensitive arguments.
  return argv
    .slice(0, argv[0] === 'sh' ? 1 : 3)
    .map((a) => (a.length > 40 ? `${a.slice(0, 40)}…` : a))
    .join(' ');
}

function feed(channel: ClientChannel, input: ExecOptions['input']): void {
  if (input === undefined) channel.end();
  else if (typeof input === 'string' || Buffer.isBuffer(input)) channel.end(input);
  else input.pipe(channel);
}
