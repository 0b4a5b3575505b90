// A recording Host for unit tests: every command, upload and read is recorded in order, and
// commands answer from a table of replies (first match wins). Files uploaded are kept, so a
// readFile after an upload sees them. Tests of command sequences (provision's dry runs, deploy's
// switch, prune, rollback) assert `calls` exactly — no sshd, no Docker.
import { PassThrough } from 'node:stream';
import { CommandError } from '../../src/core/errors.js';
import type { ExecResult } from '../../src/core/exec.js';
import type { Host, RemoteExecOptions, StreamExecOptions } from '../../src/core/host.js';
import { commandLine } from '../../src/core/shell.js';

export type Reply = Partial<ExecResult> | ((line: string, input?: string) => Partial<ExecResult>);

export interface FakeCall {
  kind: 'exec' | 'upload' | 'read' | 'forward';
  /** The quoted command line; `upload PATH`, `read PATH`, `forward-remote PORT HOST:PORT` otherwise. */
  line: string;
  argv: readonly string[];
  /** stdin of a command, or the content of an upload. */
  input?: string;
  path?: string;
  mode?: number;
}

export class RecordingHost implements Host {
  readonly calls: FakeCall[] = [];
  /** path → content: what `upload` wrote (and what tests seed for `readFile`). */
  readonly files = new Map<string, string>();
  connectionsOpened = 1;
  closed = false;

  constructor(
    protected readonly replies: Array<[RegExp, Reply]> = [],
    readonly label = 'deploy@fake:22',
  ) {}

  /** The command lines run, in order (uploads as `upload PATH`, reads as `read PATH`). */
  lines(): string[] {
    return this.calls.map((c) => c.line);
  }

  /** What a reply regex is matched against (provision strips its `sudo -n --`). */
  protected matchLine(line: string): string {
    return line;
  }

  async exec(argv: readonly string[], options: RemoteExecOptions = {}): Promise<ExecResult> {
    const line = commandLine(argv);
    const input = typeof options.input === 'string' ? options.input : undefined;
    this.calls.push({ kind: 'exec', line, argv, input });
    const bare = this.matchLine(line);
    const hit = this.replies.find(([re]) => re.test(bare));
    const reply = hit ? (typeof hit[1] === 'function' ? hit[1](line, input) : hit[1]) : {};
    const result = { code: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...reply };
    if (result.code !== 0 && !options.allowFailure)
      throw new CommandError(
        argv[0] ?? '',
        result.code,
        result.stderr || `fake: ${line}`,
        options.where ?? this.label,
      );
    return result;
  }

  async execStream(argv: readonly string[], options: StreamExecOptions = {}) {
    const r = await this.exec(argv, { input: typeof options.input === 'string' ? options.input : undefined });
    const stdout = new PassThrough();
    stdout.end(r.stdout);
    return { stdout, done: Promise.resolve(r) };
  }

  async upload(path: string, content: string | Buffer, mode = 0o600): Promise<void> {
    const text = content.toString();
    this.calls.push({ kind: 'upload', line: `upload ${path}`, argv: [], path, input: text, mode });
    this.files.set(path, text);
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    this.calls.push({ kind: 'read', line: `read ${path}`, argv: [], path });
    const text = this.files.get(path);
    return text === undefined ? undefined : Buffer.from(text);
  }

  async forward(): Promise<never> {
    throw new Error('fake host: forward is not recorded');
  }

  async forwardRemotePort(bindPort: number, target: { host: string; port: number }): Promise<void> {
    this.calls.push({
      kind: 'forward',
      line: `forward-remote ${bindPort} ${target.host}:${target.port}`,
      argv: [],
    });
  }

  close(): void {
    this.closed = true;
  }
}
