import { connect as tcpConnect } from 'node:net';
import { posix } from 'node:path';
import { type Duplex, PassThrough, type Readable } from 'node:stream';
import ssh2, { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { CommandError, ConfigError, tail, UserError } from './errors.js';
import type { ExecOptions, ExecResult } from './exec.js';
import { type HostKeyCheck, HostKeyError, type HostKeyPolicy, hostKeyCheck } from './known-hosts.js';
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
  /** Where authentication was attempted, in order (bastion first): proves a target was never offered a key. */
  readonly authAttemptedOn: string[] = [];
  private client?: Client;
  private jumpClient?: Client;
  private connecting?: Promise<Client>;
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly pending = new Set<(err: Error) => void>();
  /** Remote listen port → local target, re-opened after a reconnect. */
  private readonly remoteForwards = new Map<number, RemoteForward>();

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
    const attempts = Math.max(1, this.options.connectAttempts ?? 3);
    let lastError: unknown;
    for (let i = 1; i <= attempts; i++) {
      try {
        const client = this.options.jump
          ? await this.connectOnce(this.options, () => this.openJump())
          : await this.connectOnce(this.options);
        this.client = client;
        for (const f of this.remoteForwards.values()) await this.listenRemote(client, f);
        return client;
      } catch (err) {
        lastError = err;
        this.jumpClient?.end();
        this.jumpClient = undefined;
        // A wrong host key or a refused login will not fix itself: no retry.
        if (!isRetryable(err)) throw err;
        if (i < attempts) {
          this.options.logger?.warn(
            `${this.label}: connect attempt ${i}/${attempts} failed (${(err as Error).message}); retrying`,
          );
          await new Promise((r) => setTimeout(r, 500 * 2 ** (i - 1)));
        }
      }
    }
    throw lastError;
  }

  /** A stream to the target through the (verified) jump host; the jump connection is reused. */
  private async openJump(): Promise<Duplex> {
    const jump = this.options.jump!;
    if (!this.jumpClient)
      this.jumpClient = await this.connectOnce({
        ...jump,
        label: jump.label ?? `jump ${jump.user}@${jump.host}:${jump.port ?? 22}`,
      });
    const jumpClient = this.jumpClient;
    const port = this.options.port ?? 22;
    return new Promise((resolve, reject) => {
      jumpClient.forwardOut('127.0.0.1', 0, this.options.host, port, (err, stream) =>
        err
          ? reject(
              retryable(
                new UserError(
                  this.label,
                  `jump host could not reach ${this.options.host}:${port}: ${err.message}`,
                  'check the target address from the jump host',
                ),
              ),
            )
          : resolve(stream),
      );
    });
  }

  private async connectOnce(
    opts: Omit<RemoteHostOptions, 'jump'>,
    openSock?: () => Promise<Duplex>,
  ): Promise<Client> {
    const port = opts.port ?? 22;
    const where = opts.label ?? `${opts.user}@${opts.host}:${port}`;
    const check = hostKeyCheck(opts.hostKeys, opts.host, port, where);
    checkPrivateKey(opts, where);
    try {
      return await this.handshake(opts, check, openSock ? await openSock() : undefined, false);
    } catch (err) {
      // The server offered none of the trusted key types: learn which key it does offer
      // (a second handshake that never authenticates) so the message can show it.
      if (check.algorithms && err instanceof Error && /no matching host key/i.test(err.message)) {
        const offered = await this.probeHostKey(opts, openSock ? await openSock() : undefined);
        throw check.noCommonType(offered);
      }
      throw err;
    }
  }

  private async probeHostKey(
    opts: Omit<RemoteHostOptions, 'jump'>,
    sock?: Duplex,
  ): Promise<Buffer | undefined> {
    let offered: Buffer | undefined;
    const refuse = () => new HostKeyError(opts.host, 'host key probe', '');
    const probe: HostKeyCheck = {
      expected: [],
      verify: (blob) => {
        offered = blob;
        return { ok: false, error: refuse() };
      },
      noCommonType: refuse,
    };
    await this.handshake(opts, probe, sock, true).catch(() => undefined);
    return offered;
  }

  private handshake(
    opts: Omit<RemoteHostOptions, 'jump'>,
    check: HostKeyCheck,
    sock: Duplex | undefined,
    probe: boolean,
  ): Promise<Client> {
    const port = opts.port ?? 22;
    const where = opts.label ?? `${opts.user}@${opts.host}:${port}`;
    return new Promise((resolve, reject) => {
      const client = new Client();
      let hostKeyError: Error | undefined;
      let offered = false;
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
        client.on('tcp connection', (info, accept, refuse) =>
          this.onForwarded(info.destPort, accept, refuse),
        );
        resolve(client);
      });
      client.on('error', (err: Error & { level?: string }) => {
        if (hostKeyError) return fail(hostKeyError);
        if (err.level === 'client-authentication') {
          return fail(
            new UserError(
              where,
              `the server refused the SSH key for user ${opts.user}`,
              `add the deploy public key to ~${opts.user}/.ssh/authorized_keys on the host`,
            ),
          );
        }
        if (/no matching host key/i.test(err.message))
          return fail(new UserError(where, `cannot connect: ${err.message}`, 'check the host key types'));
        fail(
          retryable(
            new UserError(where, `cannot connect: ${err.message}`, 'check the host, port and firewall'),
          ),
        );
      });
      client.on('close', () => {
        if (hostKeyError) fail(hostKeyError);
        else
          fail(
            retryable(
              new UserError(where, 'connection closed during the handshake', 'check sshd on the host'),
            ),
          );
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
        algorithms: check.algorithms && !probe ? { serverHostKey: check.algorithms as never } : undefined,
        hostVerifier: (key: Buffer) => {
          const verdict = check.verify(key);
          if (!verdict.ok) hostKeyError = verdict.error;
          return verdict.ok;
        },
        authHandler: (_methods, _partial, next) => {
          // One key, offered once: re-offering a refused key until sshd says "Too many
          // authentication failures" would burn fail2ban/ufw rate-limit budget.
          if (probe || offered) return next(false as never);
          offered = true;
          this.authAttempted = true;
          this.authAttemptedOn.push(where);
          next({
            type: 'publickey',
            username: opts.user,
            key: opts.privateKey,
            passphrase: opts.passphrase,
          } as never);
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
   * sshd hands the command line to the login shell as ONE argument, and Linux caps a single
   * argument at 128 KiB (MAX_ARG_STRLEN): refuse early with a fix instead of "Argument list too long".
   */
  private commandLineFor(argv: Argv, where?: string): string {
    const line = commandLine(argv);
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_COMMAND_LINE_BYTES) {
      throw new UserError(
        where ?? this.label,
        `the command line is ${bytes} bytes (\`${describe(argv)}\`); a host's shell accepts at most ${MAX_COMMAND_LINE_BYTES}`,
        'send large data through stdin (exec input / execStream) or upload() a file instead of an argument',
      );
    }
    return line;
  }

  /**
   * Runs argv on the host. A non-zero exit, a signal, or a channel that closes without
   * an exit status is an error carrying the command and the tail of stderr.
   */
  async exec(argv: Argv, options: RemoteExecOptions = {}): Promise<ExecResult> {
    const line = this.commandLineFor(argv, options.where);
    const client = await this.connect();
    this.options.logger?.debug(`${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
    const started = performance.now();
    return this.track(
      (reject) =>
        new Promise<ExecResult>((resolve) => {
          client.exec(line, (err, channel) => {
            if (err)
              return reject(new CommandError(argv[0] ?? '', null, err.message, options.where ?? this.label));
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
                      options.where ?? this.label,
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
                    options.where ?? this.label,
                    signal ?? undefined,
                  ),
                );
              }
              if (code !== 0 && !options.allowFailure) {
                return reject(
                  new CommandError(name, code, tail(stderr || stdout), options.where ?? this.label),
                );
              }
              resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
            });
            feed(channel, options.input);
          });
        }),
    );
  }

  /**
   * Runs argv with streaming stdout (for large transfers such as backups): nothing is
   * buffered beyond the stream's high-water mark, and backpressure reaches the remote
   * command. `input` streams into the command's stdin. `done` rejects like exec() does
   * (non-zero exit, signal, or no exit status); the stdout stream then errors too.
   */
  async execStream(
    argv: Argv,
    options: { input?: Readable | string | Buffer; where?: string; onStderr?: (chunk: string) => void } = {},
  ): Promise<{ stdout: Readable; done: Promise<ExecResult> }> {
    const line = this.commandLineFor(argv, options.where);
    const client = await this.connect();
    this.options.logger?.debug(
      `${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line} (streaming)`,
    );
    const out = new PassThrough();
    // `done` carries the failure; a consumer that only awaits `done` must not crash on the stream error.
    out.on('error', () => {});
    const started = performance.now();
    const done = this.track(
      (reject) =>
        new Promise<ExecResult>((resolve) => {
          client.exec(line, (err, channel) => {
            if (err)
              return reject(new CommandError(argv[0] ?? '', null, err.message, options.where ?? this.label));
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
                return reject(
                  new CommandError(
                    describe(argv),
                    code,
                    tail(stderr),
                    options.where ?? this.label,
                    signal ?? undefined,
                  ),
                );
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

  private async sftp(): Promise<SFTPWrapper> {
    const client = await this.connect();
    if (!this.sftpSession) {
      this.sftpSession = new Promise((resolve, reject) =>
        client.sftp((err, sftp) =>
          err
            ? reject(
                new UserError(
                  this.label,
                  `SFTP unavailable: ${err.message}`,
                  'enable the sftp subsystem in sshd_config',
                ),
              )
            : resolve(sftp),
        ),
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
            if (err)
              return reject(
                new UserError(
                  this.label,
                  `cannot create ${tmp}: ${err.message}`,
                  `check that ${dir} exists and is writable by ${this.options.user}`,
                ),
              );
            const finish = (e?: Error | null) => {
              sftp.close(handle, () => {
                if (e)
                  return sftp.unlink(tmp, () =>
                    reject(
                      new UserError(
                        this.label,
                        `upload to ${path} failed: ${e.message}`,
                        'check free disk space on the host',
                      ),
                    ),
                  );
                sftp.ext_openssh_rename(tmp, path, (renameErr) => {
                  if (renameErr)
                    return sftp.unlink(tmp, () =>
                      reject(
                        new UserError(
                          this.label,
                          `cannot move upload into ${path}: ${renameErr.message}`,
                          'check permissions',
                        ),
                      ),
                    );
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
            if (err)
              return err.code === 2
                ? resolve(undefined)
                : reject(
                    new UserError(this.label, `cannot read ${path}: ${err.message}`, 'check permissions'),
                  );
            resolve(data);
          });
        }),
    );
  }

  /**
   * A reverse tunnel (`ssh -R`): the host listens on its loopback `bindPort` and every
   * connection there is carried over this SSH connection to `target` as seen from here. Lets a
   * host pull from a registry only the runner can reach (Kamal's "local registry"). The
   * listener lives as long as the connection; it is opened again after a reconnect.
   */
  async forwardRemotePort(bindPort: number, target: { host: string; port: number }): Promise<void> {
    const forward: RemoteForward = { bindHost: 'localhost', bindPort, target };
    const client = await this.connect();
    this.remoteForwards.set(bindPort, forward);
    try {
      await this.listenRemote(client, forward);
    } catch (err) {
      this.remoteForwards.delete(bindPort);
      throw err;
    }
  }

  private listenRemote(client: Client, f: RemoteForward): Promise<void> {
    return new Promise((resolve, reject) =>
      client.forwardIn(f.bindHost, f.bindPort, (err) =>
        err
          ? reject(
              new UserError(
                `${this.label} tunnel`,
                `the host refused to listen on ${f.bindHost}:${f.bindPort} for the tunnel to ${f.target.host}:${f.target.port} (${err.message}): the port is taken on the host, or the key may not forward ports (authorized_keys "restrict" without "port-forwarding,permitlisten=…", or AllowTcpForwarding no)`,
                `free port ${f.bindPort} on the host and allow it for the deploy key: provision with registry-tunnel-port: ${f.bindPort}, or add port-forwarding,permitlisten="localhost:${f.bindPort}" to its authorized_keys line`,
              ),
            )
          : resolve(),
      ),
    );
  }

  private onForwarded(port: number, accept: () => ClientChannel, refuse: () => void): void {
    const f = this.remoteForwards.get(port);
    if (!f) {
      refuse();
      return;
    }
    const channel = accept();
    // autoSelectFamily: "localhost" may resolve to ::1 first while the target listens on 127.0.0.1.
    const socket = tcpConnect({ host: f.target.host, port: f.target.port, autoSelectFamily: true });
    socket.on('error', (err) => {
      this.options.logger?.debug(`${this.label} tunnel to ${f.target.host}:${f.target.port}: ${err.message}`);
      channel.destroy();
    });
    channel.on('error', () => socket.destroy());
    channel.on('close', () => socket.destroy());
    // A target that closes cleanly may still have bytes queued in the channel (SSH flow control):
    // the pipe ends the channel once they are sent. Destroying it here cut the tail of large
    // responses (docker retried the blob 5 s later with a Range request).
    socket.on('close', (hadError) => {
      if (hadError) channel.destroy();
    });
    channel.pipe(socket).pipe(channel);
  }

  close(): void {
    this.remoteForwards.clear();
    this.client?.end();
    this.jumpClient?.end();
    this.client = undefined;
    this.jumpClient = undefined;
  }
}

interface RemoteForward {
  bindHost: string;
  bindPort: number;
  target: { host: string; port: number };
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

/**
 * Writes `data` at its offsets with up to 64 requests in flight (SFTP answers them in any
 * order): one round trip per 32 KB chunk would make a 20 MB upload take tens of seconds.
 */
function writeAll(sftp: SFTPWrapper, handle: Buffer, data: Buffer, done: (e?: Error | null) => void): void {
  const CHUNK = 32 * 1024;
  const IN_FLIGHT = 64;
  let next = 0;
  let active = 0;
  let failed = false;
  const pump = () => {
    while (!failed && active < IN_FLIGHT && next < data.length) {
      const offset = next;
      const length = Math.min(CHUNK, data.length - offset);
      next += length;
      active++;
      sftp.write(handle, data, offset, length, offset, (err) => {
        active--;
        if (failed) return;
        if (err) {
          failed = true;
          return done(err);
        }
        if (next >= data.length && active === 0) return done();
        pump();
      });
    }
  };
  pump();
}

/**
 * ssh2 throws a bare "Cannot parse privateKey" from inside connect(): check the key first so a
 * wrong secret is a configuration error that says which key and what to pass.
 */
function checkPrivateKey(
  opts: Pick<RemoteHostOptions, 'privateKey' | 'passphrase' | 'user'>,
  where: string,
): void {
  const parsed = ssh2.utils.parseKey(opts.privateKey, opts.passphrase);
  const error =
    parsed instanceof Error
      ? parsed
      : Array.isArray(parsed) && parsed.length === 0
        ? new Error('no key found')
        : undefined;
  if (error) {
    throw new ConfigError(
      `${where} private key`,
      `cannot be read (${error.message.replace(/privateKey/g, 'private key')})`,
      `pass the deploy user's private key in OpenSSH or PEM format (-----BEGIN OPENSSH PRIVATE KEY-----…)${/passphrase/i.test(error.message) ? ' and its passphrase' : ''}`,
    );
  }
}

/** Linux MAX_ARG_STRLEN (32 pages) minus the terminating NUL. */
const MAX_COMMAND_LINE_BYTES = 131_071;

type Retryable = UserError & { retryable?: boolean };

function retryable(err: UserError): UserError {
  (err as Retryable).retryable = true;
  return err;
}

/** Only connection-level failures (refused, timed out, dropped during the handshake) are retried. */
function isRetryable(err: unknown): boolean {
  return err instanceof UserError && (err as Retryable).retryable === true;
}
