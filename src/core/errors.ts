/**
 * Two kinds of failure: a UserError is something the person running ragship can fix
 * (bad input, unreachable host, wrong key) and is shown without a stack; anything else
 * is a bug in ragship and keeps its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** Where the problem is: an input name, a config key, a host. */
  readonly where: string;
  /** What to do about it. */
  readonly fix: string;

  constructor(where: string, problem: string, fix: string, options?: { cause?: unknown }) {
    super(`${where}: ${problem}${fix ? ` — ${fix}` : ''}`, options);
    this.where = where;
    this.fix = fix;
  }
}

/** Bad input or configuration: the CLI exits 2 for these. */
export class ConfigError extends UserError {}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/** A remote or local command that exited badly; carries the tail of its stderr. */
export class CommandError extends UserError {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
    where = 'command',
    readonly signal?: string,
  ) {
    const status =
      exitCode === null
        ? `ended without an exit status${signal ? ` (signal ${signal})` : ''}`
        : `exited with status ${exitCode}`;
    super(
      where,
      `\`${command}\` ${status}${stderrTail ? `:\n${stderrTail}` : ''}`,
      exitCode === null ? 'the connection or process was lost; re-run once the host is reachable' : '',
    );
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Last `lines` lines of a text, for error messages. */
export function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
