import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { CommandError, UserError, tail } from './errors.js';
import type { ExecOptions, ExecResult } from './exec.js';
import { type HostKeyPolicy, hostKeyCheck } from './known-hosts.js';
import type { Logger } from './logger.js';
import { type Argv, commandLine } from './shell.js';

export interface RemoteHostOptions {
  host: string;
  port?: number;
  user: string;
  privateKey: string;
  passphrase?: string;
  hostKeys: HostKeyPolicy;
  /** Optional bastion; verified the same way. */
  jump?: Omit<RemoteHostOptions, 'jump' | 'logger'>;
  connectTimeoutMs?: number;
  /** Connect attempts (only the connect is retried, never a command). */
  connectAttempts?: number;
  keepaliveIntervalMs?: number;
  logger?: Logger;
  /** A name for messages, e.g. "web-1 (deploy@10.0.0.5:22)". */
  label?: string;
}

export interface RemoteExecOptions extends Omit<ExecOptions, 'cwd' | 'env' | 'signal'> {}

/**
 * One SSH connection per host, reused for every command (ssh2 multiplexes channels).
 * Host keys are verified before authentication and fail closed.
 */
export class RemoteHost {
  readonly label: string;
  /** How many TCP connections this object opened (the deploy benchmark reports it). */
  connectionsOpened = 0;
  /** Whether authentication was ever attempted (tests prove key checks come first). */
  authAttempted = false;
  private client?: Client;
  private jumpClient?: Client;
  private connecting?: Promise<Client>;
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly pending = new Set<(err: Error) => void>();

  constructor(private readonly options: RemoteHostOptions) {
    this.label = options.label ?? `${options.user}@${options.host}:${options.port ?? 22}`;
    options.logger?.setSecret(options.privateKey);
    options.logger?.setSecret(options.passphrase);
  }

  /** Opens the connection if needed; retries only the connect, with back-off. */
  async connect(): Promise<Client> {
    if (this.client) return this.client;
    if (!this.connecting) {
      this.connecting = this.connectWithRetry().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async connectWithRetry(): Promise<Client> {
    const attempts = this.options.connectAttempts ?? 3;
    let lastError: unknown;
    for (let i = 1; i <= attempts; i++) {
      try {
        const sock = this.options.jump ? await this.openJump() : undefined;
        const client = await this.connectOnce(this.options, sock);
        this.client = client;
        return client;
      } catch (err) {
        lastError = err;
        // A wrong host key or a refused login will not fix itself: no retry.
        if (err instanceof UserError && !(err as UserError & { retryable?: boolean }).retryable) throw err;
        if (i < attempts) {
          this.options.logger?.warn(`${this.label}: connect attempt ${i}/${attempts} failed (${(err as Error).message}); retrying`);
          await new Promise((r) => setTimeout(r, 500 * 2 ** (i - 1)));
        }
      }
    }
    throw lastError;
  }

  private async openJump(): Promise<NodeJS.ReadableStream & NodeJS.WritableStream> {
    const jump = this.options.jump!;
    this.jumpClient = await this.connectOnce(jump);
    const port = this.options.port ?? 22;
    return new Promise((resolve, reject) => {
      this.jumpClient!.forwardOut('127.0.0.1', 0, this.options.host, port, (err, stream) =>
        err ? reject(new UserError(this.label, `jump host could not reach ${this.options.host}:${port}: ${err.message}`, 'check the target address from the jump host')) : resolve(stream),
      );
    });
  }

  private connectOnce(opts: Omit<RemoteHostOptions, 'jump'>, sock?: NodeJS.ReadableStream & NodeJS.WritableStream): Promise<Client> {
    const port = opts.port ?? 22;
    const where = opts.label ?? `${opts.user}@${opts.host}:${port}`;
    const check = hostKeyCheck(opts.hostKeys, opts.host, port, where);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let hostKeyError: Error | undefined;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(err);
      };
      client.on('ready', () => {
        settled = true;
        this.connectionsOpened++;
        client.on('close', () => this.onClosed(client));
        client.on('error', (err) => this.options.logger?.debug(`${where}: ${err.message}`));
        resolve(client);
      });
      client.on('error', (err: Error & { level?: string }) => {
        if (hostKeyError) return fail(hostKeyError);
        const message = err.message;
        if (err.level === 'client-authentication') {
          return fail(new UserError(where, `the server refused the SSH key for user ${opts.user}`, `add the deploy public key to ~${opts.user}/.ssh/authorized_keys on the host`));
        }
        const e = new UserError(where, `cannot connect: ${message}`, 'check the host, port and firewall');
        (e as UserError & { retryable?: boolean }).retryable = true;
        fail(e);
      });
      client.on('close', () => {
        if (hostKeyError) fail(hostKeyError);
        else fail(Object.assign(new UserError(where, 'connection closed during the handshake', 'check sshd on the host'), { retryable: true }));
      });
      const config: ConnectConfig = {
        host: sock ? undefined : opts.host,
        port: sock ? undefined : port,
        sock: sock as ConnectConfig['sock'],
        username: opts.user,
        privateKey: opts.privateKey,
        passphrase: opts.passphrase,
        readyTimeout: opts.connectTimeoutMs ?? 15_000,
        keepaliveInterval: opts.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: 3,
        algorithms: check.algorithms ? { serverHostKey: check.algorithms as never } : undefined,
        hostVerifier: (key: Buffer) => {
          const verdict = check.verify(key);
          if (!verdict.ok) hostKeyError = verdict.error;
          return verdict.ok;
        },
        authHandler: (_methods, _partial, next) => {
          this.authAttempted = true;
          next({ type: 'publickey', username: opts.user, key: opts.privateKey, passphrase: opts.passphrase } as never);
        },
      };
      client.connect(config);
    });
  }

  private onClosed(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.sftpSession = undefined;
    const err = new CommandError('(connection)', null, 'the SSH connection was closed', this.label);
    for (const reject of this.pending) reject(err);
    this.pending.clear();
  }

  private track<T>(run: (reject: (err: Error) => void) => Promise<T>): Promise<T> {
    let rejectFn!: (err: Error) => void;
    const aborted = new Promise<never>((_, reject) => {
      rejectFn = reject;
    });
    this.pending.add(rejectFn);
    return Promise.race([run(rejectFn), aborted]).finally(() => this.pending.delete(rejectFn));
  }

  /**
   * Runs argv on the host. A non-zero exit, a signal, or a channel that closes without
   * an exit status is an error carrying the command and the tail of stderr.
   */
  async exec(argv: Argv, options: RemoteExecOptions = {}): Promise<ExecResult> {
    const client = await this.connect();
    const line = commandLine(argv);
    this.options.logger?.debug(`${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
    const started = performance.now();
    return this.track(
      (reject) =>
        new Promise<ExecResult>((resolve) => {
          client.exec(line, (err, channel) => {
            if (err) return reject(new CommandError(argv[0] ?? '', null, err.message, options.where ?? this.label));
            let stdout = '';
            let stderr = '';
            let code: number | null = null;
            let signal: string | null = null;
            let gotExit = false;
            const timer = options.timeoutMs
              ? setTimeout(() => {
                  channel.signal('KILL');
                  channel.close();
                  reject(new CommandError(argv.join(' ').slice(0, 200), null, `timed out after ${options.timeoutMs} ms\n${tail(stderr, 10)}`, options.where ?? this.label));
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
                return reject(new CommandError(name, null, tail(stderr || 'no exit status received'), options.where ?? this.label, signal ?? undefined));
              }
              if (code !== 0 && !options.allowFailure) {
                return reject(new CommandError(name, code, tail(stderr || stdout), options.where ?? this.label));
              }
              resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
            });
            feed(channel, options.input);
          });
        }),
    );
  }

  /**
   * Runs argv with streaming stdout (for large transfers such as backups).
   * `done` rejects like exec() does; the stream ends when the command ends.
   */
  async execStream(argv: Argv, options: { input?: Readable; where?: string } = {}): Promise<{ stdout: Readable; done: Promise<ExecResult> }> {
    const client = await this.connect();
    const out = new PassThrough();
    const started = performance.now();
    const done = this.track(
      (reject) =>
        new Promise<ExecResult>((resolve) => {
          client.exec(commandLine(argv), (err, channel) => {
            if (err) return reject(new CommandError(argv[0] ?? '', null, err.message, options.where ?? this.label));
            let stderr = '';
            let code: number | null = null;
            channel.stderr.on('data', (c: Buffer) => {
              stderr = (stderr + c.toString('utf8')).slice(-8192);
            });
            channel.on('exit', (c: number | null) => {
              code = c;
            });
            channel.pipe(out);
            channel.on('close', () => {
              if (code === null || code !== 0) {
                const e = new CommandError(describe(argv), code, tail(stderr), options.where ?? this.label);
                out.destroy(e);
                return reject(e);
              }
              resolve({ code, signal: null, stdout: '', stderr, durationMs: performance.now() - started });
            });
            feed(channel, options.input);
          });
        }),
    );
    done.catch((e) => out.destroy(e));
    return { stdout: out, done };
  }

  private async sftp(): Promise<SFTPWrapper> {
    const client = await this.connect();
    if (!this.sftpSession) {
      this.sftpSession = new Promise((resolve, reject) =>
        client.sftp((err, sftp) => (err ? reject(new UserError(this.label, `SFTP unavailable: ${err.message}`, 'enable the sftp subsystem in sshd_config')) : resolve(sftp))),
      );
    }
    return this.sftpSession;
  }

  /**
   * Writes `content` to `path` atomically: a temporary file created with `mode` from the
   * start (O_CREAT|O_EXCL with the mode, so there is no readable window), then renamed.
   */
  async upload(path: string, content: string | Buffer, mode = 0o600): Promise<void> {
    const sftp = await this.sftp();
    const dir = posix.dirname(path);
    const tmp = posix.join(dir, `.${posix.basename(path)}.${process.pid}.${Date.now()}.tmp`);
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    await this.track(
      (reject) =>
        new Promise<void>((resolve) => {
          sftp.open(tmp, 'wx', { mode }, (err, handle) => {
            if (err) return reject(new UserError(this.label, `cannot create ${tmp}: ${err.message}`, `check that ${dir} exists and is writable by ${this.options.user}`));
            const finish = (e?: Error | null) => {
              sftp.close(handle, () => {
                if (e) return sftp.unlink(tmp, () => reject(new UserError(this.label, `upload to ${path} failed: ${e.message}`, 'check free disk space on the host')));
                sftp.ext_openssh_rename(tmp, path, (renameErr) => {
                  if (renameErr) return sftp.unlink(tmp, () => reject(new UserError(this.label, `cannot move upload into ${path}: ${renameErr.message}`, 'check permissions')));
                  resolve();
                });
              });
            };
            if (data.length === 0) return finish();
            writeAll(sftp, handle, data, finish);
          });
        }),
    );
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const sftp = await this.sftp();
    return this.track(
      (reject) =>
        new Promise<Buffer | undefined>((resolve) => {
          sftp.readFile(path, (err: (Error & { code?: number }) | undefined, data) => {
            if (err) return err.code === 2 ? resolve(undefined) : reject(new UserError(this.label, `cannot read ${path}: ${err.message}`, 'check permissions'));
            resolve(data);
          });
        }),
    );
  }

  close(): void {
    this.client?.end();
    this.jumpClient?.end();
    this.client = undefined;
    this.jumpClient = undefined;
  }
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

function writeAll(sftp: SFTPWrapper, handle: Buffer, data: Buffer, done: (e?: Error | null) => void, offset = 0): void {
  const chunk = Math.min(32 * 1024, data.length - offset);
  sftp.write(handle, data, offset, chunk, offset, (err) => {
    if (err) return done(err);
    if (offset + chunk >= data.length) return done();
    writeAll(sftp, handle, data, done, offset + chunk);
  });
}
