import type { Duplex, Readable } from 'node:stream';
import type { ExecOptions, ExecResult } from './exec.js';
import type { Argv } from './shell.js';

export interface RemoteExecOptions extends Omit<ExecOptions, 'cwd' | 'env' | 'signal'> {}

/** An interactive command (`ragship exec -i/-it`): stdin piped in, output piped out as it comes. */
export interface InteractiveExecOptions {
  stdin: Readable;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Allocate a pseudo-terminal on the host (stdout and stderr then arrive merged on stdout). */
  pty?: { rows: number; cols: number; term: string };
  /** Called with a function that resizes the pty (the local terminal's `resize`). */
  onResize?: (resize: (rows: number, cols: number) => void) => void;
  where?: string;
}

export interface StreamExecOptions {
  input?: Readable | string | Buffer;
  where?: string;
  onStderr?: (chunk: string) => void;
}

/**
 * A machine ragship runs commands on: the port every capability (deploy, rollback, backup,
 * preflight, provision) is written against. `RemoteHost` (ssh2, src/core/ssh/) implements it;
 * `test/support/fake-host.ts` records the commands and answers from a table, so command
 * sequences are unit-tested without sshd or Docker.
 */
export interface Host {
  /** A name for messages and logs, e.g. "deploy@10.0.0.5:22". */
  readonly label: string;
  /**
   * Runs argv (quoted in one place, src/core/shell.ts). A non-zero exit is an error unless
   * `allowFailure`; a signal or a lost connection always is.
   */
  exec(argv: Argv, options?: RemoteExecOptions): Promise<ExecResult>;
  /** Runs argv with streaming stdout (backups): backpressure reaches the remote command. */
  execStream(
    argv: Argv,
    options?: StreamExecOptions,
  ): Promise<{ stdout: Readable; done: Promise<ExecResult> }>;
  /**
   * Runs argv interactively: stdin streams in until it ends, output streams out; resolves with the
   * exit status (null on a signal). Absent on fakes.
   */
  execInteractive?(
    argv: Argv,
    options: InteractiveExecOptions,
  ): Promise<{ code: number | null; signal: string | null }>;
  /** Writes a file atomically, created with `mode` (default 0600) from the start. */
  upload(path: string, content: string | Buffer, mode?: number): Promise<void>;
  /** A file's content, or undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** A stream to `host:port` as the host sees it (`ssh -L`): e.g. a container's API. */
  forward(host: string, port: number): Promise<Duplex>;
  /** The host listens on its loopback `bindPort` and carries connections to `target` (`ssh -R`). */
  forwardRemotePort(bindPort: number, target: { host: string; port: number }): Promise<void>;
  close(): void;
  /** How many connections this host opened (reports and benchmarks; absent on fakes). */
  readonly connectionsOpened?: number;
}
