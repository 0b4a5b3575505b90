import { ConfigError, UserError } from './errors.js';
import type { InputReader } from './input-reader.js';
import type { RemoteHostOptions } from './remote-host.js';
import { parseHostSpec } from './validate.js';

/** Where a jump host (bastion) was named: the CLI flag wins over ragship.yml. */
export interface ProxySources {
  /** --ssh-proxy / action input ssh-proxy. */
  flag?: string;
  /** environments.<env>.ssh.proxy */
  environment?: string;
  /** ssh.proxy */
  global?: string;
  environmentName: string;
}

/**
 * The jump host every connection of an environment goes through (like `ssh -J`), or none. Its
 * host key is checked against the same known_hosts / fingerprints as the hosts, before any
 * authentication, and fails closed (RemoteHost connects to it with the same policy). Its spec is
 * validated before any connection; a bad flag value is a usage error naming the flag.
 */
export function jumpOptions(
  src: ProxySources,
  base: Pick<RemoteHostOptions, 'privateKey' | 'hostKeys' | 'connectTimeoutMs'>,
): RemoteHostOptions['jump'] {
  const [value, where] =
    src.flag !== undefined
      ? [src.flag, '--ssh-proxy']
      : src.environment !== undefined
        ? [src.environment, `environments.${src.environmentName}.ssh.proxy`]
        : [src.global, 'ssh.proxy'];
  if (value === undefined || value === '') return undefined;
  let spec: ReturnType<typeof parseHostSpec>;
  try {
    spec = parseHostSpec(value, where);
  } catch (err) {
    if (err instanceof UserError && !(err instanceof ConfigError))
      throw new ConfigError(err.where, err.message.slice(err.where.length + 2), '');
    throw err;
  }
  return {
    ...spec,
    privateKey: base.privateKey,
    hostKeys: base.hostKeys,
    connectTimeoutMs: base.connectTimeoutMs,
    label: `jump ${spec.user}@${spec.host}:${spec.port}`,
  };
}

/**
 * The `ssh-proxy` input (action) / `--ssh-proxy` flag (CLI): a jump host as user@host[:port],
 * checked by the grammar jumpOptions uses, before any key is read or any host is reached. A bad
 * value is a usage error naming the input or flag at the door it came through.
 */
export function readSshProxy(r: InputReader): string | undefined {
  const value = r.str('ssh-proxy');
  if (!value) return undefined;
  try {
    parseHostSpec(value, r.where('ssh-proxy'));
  } catch (err) {
    if (err instanceof UserError && !(err instanceof ConfigError))
      throw new ConfigError(err.where, err.message.slice(err.where.length + 2), err.fix);
    throw err;
  }
  return value;
}

/** The jump options of a run that names its hosts directly (host-check, backup): no ragship.yml. */
export function jumpFor(
  spec: string | undefined,
  base: Pick<RemoteHostOptions, 'privateKey' | 'hostKeys' | 'connectTimeoutMs'>,
): RemoteHostOptions['jump'] {
  return spec ? jumpOptions({ flag: spec, environmentName: '' }, base) : undefined;
}
