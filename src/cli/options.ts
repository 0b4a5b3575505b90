import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { ConfigError } from '../core/errors.js';
import { InputReader, type InputSource, splitList } from '../core/input-reader.js';
import { secrets } from '../core/redact.js';

/**
 * The CLI door of the shared input reader (src/core/input-reader.ts). A flag is the action
 * input's name: `--environment` for `environment`. Secrets never travel in argv (every user of
 * the machine sees argv in `ps`): a secret input NAME is read from `--NAME-file` or an environment
 * variable; a multi-line input (known_hosts, a dotenv block) from `--NAME-file`.
 */

/** The environment variables a secret input is read from, first the documented one. */
const SECRET_ENV: Record<string, string[]> = {
  'ssh-private-key': ['RAGSHIP_SSH_PRIVATE_KEY'],
  'deploy-private-key': ['RAGSHIP_DEPLOY_PRIVATE_KEY'],
  'encryption-passphrase': ['RAGSHIP_ENCRYPTION_PASSPHRASE', 'RAGSHIP_BACKUP_PASSPHRASE'],
  'registry-password': ['RAGSHIP_REGISTRY_PASSWORD'],
  password: ['RAGSHIP_REGISTRY_PASSWORD'],
  'aws-access-key-id': ['AWS_ACCESS_KEY_ID'],
  'aws-secret-access-key': ['AWS_SECRET_ACCESS_KEY'],
  'aws-session-token': ['AWS_SESSION_TOKEN'],
  'webhook-url': ['RAGSHIP_ALERT_WEBHOOK', 'RAGSHIP_WEBHOOK_URL'],
  'metrics-push-token': ['RAGSHIP_METRICS_PUSH_TOKEN'],
  'metrics-push-password': ['RAGSHIP_METRICS_PUSH_PASSWORD'],
  'github-token': ['GITHUB_TOKEN'],
};

/** Secret inputs whose value may also come from a `--NAME-file` flag (the others: env only). */
const SECRET_FILE_FLAG = new Set([
  'ssh-private-key',
  'deploy-private-key',
  'encryption-passphrase',
  'registry-password',
  'password',
  'metrics-push-token',
  'metrics-push-password',
]);

export function secretEnvNames(name: string): string[] {
  return SECRET_ENV[name] ?? [`RAGSHIP_${name.toUpperCase().replace(/-/g, '_')}`];
}

const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Old spellings of a flag, per command: hidden from --help, still accepted. */
const ALIASES = new WeakMap<Command, Map<string, string[]>>();

/**
 * Adds a hidden old spelling of a flag (`--env` for `--environment`). `flags` is the alias's
 * commander flags, e.g. '--env <name>'. Giving both with different values is an error; repeated
 * list flags add up.
 */
export function alias(
  cmd: Command,
  canonical: string,
  flags: string,
  options: { repeatable?: boolean; invert?: boolean } = {},
): Command {
  const opt = new Option(flags).hideHelp();
  // An old spelling never negates another flag (--no-layer-cache is read as itself).
  opt.negate = false;
  cmd.addOption(opt);
  const name = opt.long!.replace(/^--/, '');
  const table = ALIASES.get(cmd) ?? new Map<string, string[]>();
  table.set(canonical, [...(table.get(canonical) ?? []), name]);
  ALIASES.set(cmd, table);
  // The value lands on the canonical flag too, so commander's required-option check and
  // everything that reads the canonical flag see it.
  const key = camel(canonical);
  cmd.on(`option:${name}`, (value: unknown) => {
    const current = cmd.getOptionValue(key) as unknown;
    if (options.repeatable) {
      cmd.setOptionValue(key, [...(Array.isArray(current) ? current : []), value]);
      cmd.setOptionValue(camel(name), undefined);
    } else if (current !== undefined && String(current) !== (options.invert ? 'false' : String(value))) {
      throw new ConfigError(
        `--${canonical}`,
        `is given twice with different values (--${canonical} ${JSON.stringify(String(current))}, --${name} ${JSON.stringify(String(value ?? ''))})`,
        `give it once, as --${canonical}`,
      );
    } else if (options.invert) {
      // `--no-harden-ssh` is `--harden-ssh false`; kept as 'false' on both for the reader's check.
      cmd.setOptionValue(key, 'false');
      cmd.setOptionValue(camel(name), 'false');
    } else cmd.setOptionValue(key, value === true ? 'true' : value);
  });
  return cmd;
}

/**
 * A boolean flag that reads like its action input: `--dry-run` (true), `--dry-run true`,
 * `--dry-run=false`. Anything but true/false fails (in the reader, with the flag's name).
 */
export function boolOption(cmd: Command, name: string, description: string): Command {
  const opt = new Option(`--${name} [true|false]`, description).preset('true');
  // `--no-cache` is a flag of its own, not the negation of a `--cache` option.
  opt.negate = false;
  cmd.addOption(opt);
  return cmd;
}

function readFile(path: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      where,
      `cannot read ${path}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`,
      'give the path of a readable file',
    );
  }
}

/** The CLI's input source over a command's parsed flags. */
export function cliSource(cmd: Command, env: NodeJS.ProcessEnv = process.env): InputSource {
  const opts = cmd.opts() as Record<string, unknown>;
  const aliases = ALIASES.get(cmd) ?? new Map<string, string[]>();
  /** Every spelling of a flag that was given: [flag, value]. */
  const given = (flag: string): Array<[string, unknown]> =>
    [flag, ...(aliases.get(flag) ?? [])]
      .map((f) => [f, opts[camel(f)]] as [string, unknown])
      .filter(([, v]) => v !== undefined && v !== false);
  const single = (flag: string): string | undefined => {
    const all = given(flag).map(([f, v]) => [f, Array.isArray(v) ? v.join(',') : String(v)] as const);
    if (all.length > 1 && all.some(([, v]) => v !== all[0]![1]))
      throw new ConfigError(
        `--${flag}`,
        `is given twice with different values (${all.map(([f, v]) => `--${f} ${JSON.stringify(v)}`).join(', ')})`,
        `give it once, as --${flag}`,
      );
    const v = all[0]?.[1]?.trim();
    return v === '' ? undefined : v;
  };
  return {
    door: 'cli',
    get: single,
    getList: (name) => {
      const all = given(name);
      if (!all.length) return undefined;
      // Repeated flags and comma-separated values alike, as the action's list inputs.
      return all.flatMap(([, v]) => (Array.isArray(v) ? v.map(String) : [String(v)])).flatMap(splitList);
    },
    getLines: (name) => {
      const all = given(name);
      if (!all.length) return undefined;
      return all.flatMap(([, v]) => (Array.isArray(v) ? v.map(String) : [String(v)])).filter((l) => l.trim());
    },
    getSecret: (name) => {
      const fileFlag = `${name}-file`;
      const path = SECRET_FILE_FLAG.has(name) ? single(fileFlag) : undefined;
      let value: string | undefined;
      if (path) value = readFile(path, `--${fileFlag}`);
      else
        for (const e of secretEnvNames(name)) {
          if (env[e]) {
            value = env[e];
            break;
          }
        }
      if (value) secrets.add(value);
      return value || undefined;
    },
    getText: (name) => {
      const path = single(`${name}-file`);
      return path ? readFile(path, `--${name}-file`) : undefined;
    },
    where: (name, kind = 'value') =>
      kind === 'value' || (kind === 'secret' && !SECRET_FILE_FLAG.has(name))
        ? kind === 'secret'
          ? secretEnvNames(name)[0]!
          : `--${name}`
        : `--${name}-file`,
    howToSet: (name, kind = 'value', example) => {
      if (kind === 'text') return `pass --${name}-file PATH`;
      if (kind === 'secret') {
        const env = secretEnvNames(name)[0];
        return SECRET_FILE_FLAG.has(name)
          ? `pass --${name}-file PATH or set ${env}`
          : `set the environment variable ${env}`;
      }
      return `pass --${name} ${example ?? name.replace(/-/g, '_').toUpperCase()}`;
    },
  };
}

/** The shared input reader over a command's flags. */
export function cliReader(cmd: Command, env: NodeJS.ProcessEnv = process.env): InputReader {
  return new InputReader(cliSource(cmd, env));
}

/**
 * Secrets reach the CLI through files or environment variables, never through argv.
 * `what` is the input name: the flag is `--<what>-file`.
 */
export function readSecretFile(path: string | undefined, envName: string, what: string): string {
  const value = path ? readFile(path, `--${what}-file`) : process.env[envName];
  if (!value)
    throw new ConfigError(`--${what}-file`, 'is missing', `pass --${what}-file PATH or set ${envName}`);
  secrets.add(value);
  return value;
}

export function readTextFile(path: string | undefined, what: string): string {
  if (!path) return '';
  return readFile(path, `--${what}-file`);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Refuses an option value that is itself an option (`--environment --version`): commander would
 * take `--version` as the value, or run it. A value that must start with "-" is given with "=",
 * e.g. `--grep=-x`.
 */
export function refuseOptionLikeValues(program: Command, argv: readonly string[]): void {
  let cmd = program;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return;
    if (!arg.startsWith('-')) {
      const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
      if (sub) cmd = sub;
      continue;
    }
    if (!arg.startsWith('--') || arg.includes('=')) continue;
    let opt: Option | undefined;
    for (let c: Command | null = cmd; c && !opt; c = c.parent)
      opt = (c.options as Option[]).find((o) => o.long === arg);
    if (!opt?.required) continue;
    const next = argv[i + 1];
    if (next !== undefined && /^-/.test(next) && !/^-[0-9.]/.test(next))
      throw new ConfigError(
        arg,
        `needs a value, but the next word is the option ${JSON.stringify(next)}`,
        `give the value right after ${arg} (a value that starts with "-" as ${arg}=VALUE)`,
      );
    i++;
  }
}
