import type { ExecOptions, ExecResult } from '../core/exec.js';
import type { Host } from '../core/host.js';
import type { Argv } from '../core/shell.js';

/** What provisioning needs of a Host: argv in, result out (a RemoteHost, or the recording fake in tests). */
export type CommandPort = Pick<Host, 'label' | 'exec'>;

/** Exit code the read helper uses for "file does not exist" (cat itself never exits 3). */
const MISSING = 3;
const READ = '[ -e "$1" ] || exit 3; exec cat -- "$1"';
// The temp file is created next to the target (same filesystem → atomic mv), with the final
// mode and owner before any content is visible under the real name.
const WRITE =
  'set -e; umask 077; t=$(mktemp "$1.ragship.XXXXXX"); trap \'rm -f "$t"\' EXIT; cat >"$t"; chmod "$2" "$t"; chown "$3" "$t"; mv -f "$t" "$1"; trap - EXIT';

/**
 * The host as provisioning sees it: every command runs as root — directly when connected as
 * root, through `sudo -n` (never prompting) for a sudo user.
 */
export class Target {
  constructor(
    readonly port: CommandPort,
    readonly asRoot: boolean,
  ) {}

  get label(): string {
    return this.port.label;
  }

  /** argv as root: unchanged for root, `sudo -n -- argv` otherwise. */
  rootArgv(argv: Argv): Argv {
    return this.asRoot ? argv : ['sudo', '-n', '--', ...argv];
  }

  run(
    argv: Argv,
    options: Pick<ExecOptions, 'input' | 'allowFailure' | 'timeoutMs' | 'where'> = {},
  ): Promise<ExecResult> {
    return this.port.exec(this.rootArgv(argv), options);
  }

  /** Exit status 0? (for checks such as `id deploy` or `dpkg-query`). */
  async ok(argv: Argv): Promise<boolean> {
    return (await this.run(argv, { allowFailure: true })).code === 0;
  }

  /** stdout of a command that must succeed, trimmed. */
  async out(argv: Argv): Promise<string> {
    return (await this.run(argv)).stdout.trim();
  }

  /** File content, or undefined when the file does not exist. */
  async readFile(path: string): Promise<string | undefined> {
    const r = await this.run(['sh', '-c', READ, 'sh', path], { allowFailure: true });
    if (r.code === MISSING) return undefined;
    if (r.code !== 0)
      throw new Error(`reading ${path} on ${this.label} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Writes a file atomically with mode and owner (content over stdin, never argv). */
  async writeFile(path: string, content: string, mode = '0644', owner = 'root:root'): Promise<void> {
    await this.run(['sh', '-c', WRITE, 'sh', path, mode, owner], {
      input: content,
      where: `${this.label} writing ${path}`,
    });
  }
}
