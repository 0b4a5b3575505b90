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

const NETWORK: Record<string, { problem: string; fix: string }> = {
  ECONNREFUSED: {
    problem: 'the connection was refused',
    fix: 'check that the service runs and listens there, and that the host and port are right',
  },
  ENOTFOUND: {
    problem: 'the host name does not resolve',
    fix: 'check the spelling of the host name and DNS',
  },
  EAI_AGAIN: {
    problem: 'the host name could not be resolved (DNS did not answer)',
    fix: 'check the network and DNS, then re-run',
  },
  ETIMEDOUT: { problem: 'the connection timed out', fix: 'check the address, the firewall and the network' },
  EHOSTUNREACH: { problem: 'the host is unreachable', fix: 'check the address, the routes and the firewall' },
  ENETUNREACH: { problem: 'the network is unreachable', fix: 'check the network of this machine' },
  ECONNRESET: { problem: 'the connection was reset', fix: 'check the endpoint and re-run' },
};

/** The first Node system error (code + address) inside an error, its causes or an AggregateError. */
function systemError(err: unknown, depth = 0): NodeJS.ErrnoException | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined;
  const e = err as NodeJS.ErrnoException & { cause?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string' && NETWORK[e.code]) return e;
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = systemError(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Failures caused by the user's input or environment, thrown by libraries as plain errors (a
 * refused connection, a name that does not resolve, missing cloud credentials, an unreadable
 * key), become UserErrors naming the cause and the fix; anything else is returned as it was.
 * `door` picks the words of the fix: action inputs or CLI flags and environment variables.
 */
export function asUserError(err: unknown, door: 'action' | 'cli' = 'cli'): unknown {
  if (err instanceof UserError || !(err instanceof Error)) return err;
  const sys = systemError(err);
  if (sys) {
    const n = NETWORK[sys.code!]!;
    const s = sys as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
    const target = s.hostname ?? (s.address ? `${s.address}${s.port ? `:${s.port}` : ''}` : '');
    return new UserError(target ? `connection to ${target}` : 'connection', n.problem, n.fix, { cause: err });
  }
  if (
    err.name === 'CredentialsProviderError' ||
    /Could not load credentials from any providers/.test(err.message)
  )
    return new UserError(
      'AWS credentials',
      'none were found for the S3 store',
      door === 'action'
        ? 'set the inputs aws-access-key-id and aws-secret-access-key (from secrets), or configure OIDC credentials before this step'
        : 'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) before running ragship',
      { cause: err },
    );
  if (/Cannot parse privateKey|Unsupported key format/i.test(err.message))
    return new ConfigError(
      door === 'action' ? "input 'ssh-private-key'" : '--ssh-private-key-file',
      `is not a private key ssh2 can read (${err.message.replace(/privateKey/g, 'private key')})`,
      'give the private key (the file without .pub), in OpenSSH or PEM format',
      { cause: err },
    );
  return err;
}

/** Exit code of the CLI for an error: 2 for input and configuration errors, 1 otherwise. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof ConfigError ? 2 : 1;
}

/** The `error` member of the CLI's `--json` failure document. */
export function errorDocument(err: unknown): {
  kind: 'usage' | 'user' | 'bug';
  message: string;
  where?: string;
  fix?: string;
  exitCode: number;
} {
  if (err instanceof ConfigError)
    return { kind: 'usage', where: err.where, message: err.message, fix: err.fix || undefined, exitCode: 2 };
  if (err instanceof UserError)
    return { kind: 'user', where: err.where, message: err.message, fix: err.fix || undefined, exitCode: 1 };
  return { kind: 'bug', message: errorMessage(err), exitCode: 1 };
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
