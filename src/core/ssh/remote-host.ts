import type { Duplex, Readable } from 'node:stream';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { CommandError } from '../errors.js';
import type { ExecResult } from '../exec.js';
import type { Host, InteractiveExecOptions, RemoteExecOptions, StreamExecOptions } from '../host.js';
import type { Argv } from '../shell.js';
import {
  type ConnectOptions,
  connectOnce,
  connectWithRetry,
  type HandshakeEvents,
  openThroughJump,
  type RemoteHostOptions,
} from './connect.js';
import { commandLineFor, execInteractiveOnChannel, execOnChannel, execStreamOnChannel } from './exec.js';
import { openSftp, readRemoteFile, uploadAtomic } from './sftp.js';
import { acceptForwarded, forwardOut, listenRemote, type RemoteForward } from './tunnel.js';

/**
 * One SSH connection per host, reused for every command (ssh2 multiplexes channels).
 * Host keys are verified before authentication and fail closed. The handshake lives in
 * connect.ts, channels in exec.ts, files in sftp.ts, port forwards in tunnel.ts; this class
 * holds the connection's state (and reopens the remote forwards after a reconnect).
 */
export class RemoteHost implements Host {
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
  private readonly events: HandshakeEvents = {
    onReady: (client, where) => {
      this.connectionsOpened++;
      client.on('close', () => this.onClosed(client));
      client.on('error', (err) => this.options.logger?.debug(`${where}: ${err.message}`));
      client.on('tcp connection', (info, accept, refuse) => this.onForwarded(info.destPort, accept, refuse));
    },
    onAuthAttempt: (where) => {
      this.authAttempted = true;
      this.authAttemptedOn.push(where);
    },
  };

  constructor(private readonly options: RemoteHostOptions) {
    this.label = options.label ?? `${options.user}@${options.host}:${options.port ?? 22}`;
    options.logger?.setSecret(options.privateKey);
    options.logger?.setSecret(options.passphrase);
  }

  /** Opens the connection if needed; retries only the connect, with back-off. */
  async connect(): Promise<Client> {
    if (this.client) return this.client;
    if (!this.connecting) {
      this.connecting = connectWithRetry(
        this.options.connectAttempts ?? 3,
        this.label,
        this.options.logger,
        async () => {
          const client = this.options.jump
            ? await connectOnce(this.options, this.events, () => this.openJump())
            : await connectOnce(this.options, this.events);
          this.client = client;
          for (const f of this.remoteForwards.values()) await listenRemote(client, f, this.label);
          return client;
        },
        () => {
          this.jumpClient?.end();
          this.jumpClient = undefined;
        },
      ).finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /** A stream to the target through the (verified) jump host; the jump connection is reused. */
  private async openJump(): Promise<Duplex> {
    const jump = this.options.jump!;
    if (!this.jumpClient) {
      const opts: ConnectOptions = {
        ...jump,
        label: jump.label ?? `jump ${jump.user}@${jump.host}:${jump.port ?? 22}`,
      };
      this.jumpClient = await connectOnce(opts, this.events);
    }
    return openThroughJump(this.jumpClient, this.label, this.options.host, this.options.port ?? 22);
  }

  private onClosed(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.sftpSession = undefined;
    const err = new CommandError('(connection)', null, 'the SSH connection was closed', this.label);
    for (const reject of this.pending) reject(err);
    this.pending.clear();
  }

  /** Runs `run` until it settles or the connection drops (then it rejects with the drop). */
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
    const where = options.where ?? this.label;
    const line = commandLineFor(argv, where);
    const client = await this.connect();
    this.options.logger?.debug(`${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
    return this.track((reject) => execOnChannel(client, line, argv, options, where, reject));
  }

  /**
   * Runs argv with streaming stdout (for large transfers such as backups): nothing is
   * buffered beyond the stream's high-water mark, and backpressure reaches the remote
   * command. `input` streams into the command's stdin. `done` rejects like exec() does
   * (non-zero exit, signal, or no exit status); the stdout stream then errors too.
   */
  async execStream(
    argv: Argv,
    options: StreamExecOptions = {},
  ): Promise<{ stdout: Readable; done: Promise<ExecResult> }> {
    const where = options.where ?? this.label;
    const line = commandLineFor(argv, where);
    const client = await this.connect();
    this.options.logger?.debug(
      `${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line} (streaming)`,
    );
    return execStreamOnChannel(client, line, argv, options, where, (run) => this.track(run));
  }

  /** Runs argv interactively (stdin in, output out, optionally on a pty): `ragship exec -i/-it`. */
  async execInteractive(
    argv: Argv,
    options: InteractiveExecOptions,
  ): Promise<{ code: number | null; signal: string | null }> {
    const where = options.where ?? this.label;
    const line = commandLineFor(argv, where);
    const client = await this.connect();
    this.options.logger?.debug(
      `${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line} (interactive)`,
    );
    return this.track((reject) => execInteractiveOnChannel(client, line, argv, options, where, reject));
  }

  private async sftp(): Promise<SFTPWrapper> {
    const client = await this.connect();
    this.sftpSession ??= openSftp(client, this.label);
    return this.sftpSession;
  }

  /**
   * Writes `content` to `path` atomically: a temporary file created with `mode` from the
   * start (O_CREAT|O_EXCL with the mode, so there is no readable window), then renamed.
   */
  async upload(path: string, content: string | Buffer, mode = 0o600): Promise<void> {
    const sftp = await this.sftp();
    const where = { label: this.label, user: this.options.user };
    await this.track((reject) => uploadAtomic(sftp, where, path, content, mode, reject));
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const sftp = await this.sftp();
    return this.track((reject) => readRemoteFile(sftp, this.label, path, reject));
  }

  /** A stream to `host:port` as the host sees it, over this connection. */
  async forward(host: string, port: number): Promise<Duplex> {
    return forwardOut(await this.connect(), host, port);
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
      await listenRemote(client, forward, this.label);
    } catch (err) {
      this.remoteForwards.delete(bindPort);
      throw err;
    }
  }

  private onForwarded(port: number, accept: () => ClientChannel, refuse: () => void): void {
    acceptForwarded(this.remoteForwards.get(port), accept, refuse, this.label, this.options.logger);
  }

  close(): void {
    this.remoteForwards.clear();
    this.client?.end();
    this.jumpClient?.end();
    this.client = undefined;
    this.jumpClient = undefined;
  }
}
