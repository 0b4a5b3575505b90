import { ConfigError } from './errors.js';

/**
 * One reader of a capability's inputs for both front doors. The action reads `with:` inputs,
 * the CLI reads flags of the same names (`--environment` for `environment`; a secret or a
 * multi-line value as `--NAME-file` or an environment variable); the parsing rules, the limits and
 * the error texts are the same — only the way an input is named in an error depends on the door
 * the user came through.
 */
export type Door = 'action' | 'cli';

export interface InputSource {
  readonly door: Door;
  /** The value as given, trimmed; undefined when not given (or empty). */
  get(name: string): string | undefined;
  /** Repeated values (CLI) or one text to split (action); undefined when not given. */
  getList(name: string): string[] | undefined;
  /** One value per line (action) or per repeated flag (CLI): key=value lists whose values may hold commas. */
  getLines(name: string): string[] | undefined;
  /** A secret: never from argv on the CLI (a file flag or an environment variable). */
  getSecret(name: string): string | undefined;
  /** A multi-line value kept as given (known_hosts, dotenv): the input, or the CLI's `--NAME-file`. */
  getText(name: string): string | undefined;
  /** How the user names this input at this door: `input 'environment'` or `--environment`. */
  where(name: string, kind?: 'value' | 'secret' | 'text'): string;
  /** How to give it at this door, e.g. "pass --environment NAME". */
  howToSet(name: string, kind?: 'value' | 'secret' | 'text', example?: string): string;
}

export interface IntRange {
  min?: number;
  max?: number;
}

const show = (v: string) => JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);

/** The one boolean grammar of ragship (the YAML 1.2 core schema, as @actions/core reads it). */
export function parseBool(raw: string, where: string): boolean {
  if (raw === 'true' || raw === 'True' || raw === 'TRUE') return true;
  if (raw === 'false' || raw === 'False' || raw === 'FALSE') return false;
  throw new ConfigError(where, `${show(raw)} is not a boolean`, 'use true or false');
}

/** The one whole-number grammar: digits only, inside the range. */
export function parseInt10(raw: string, where: string, range: IntRange = {}): number {
  if (!/^-?[0-9]{1,15}$/.test(raw))
    throw new ConfigError(where, `${show(raw)} is not a whole number`, 'use digits only, e.g. 15');
  const n = Number(raw);
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max))
    throw new ConfigError(
      where,
      `${n} is out of range`,
      `use a whole number from ${range.min ?? '-∞'} to ${range.max ?? '∞'}`,
    );
  return n;
}

/** Splits a list input: newline- or comma-separated, blanks and #comments dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

/** Lines of a multi-line input, blanks and #comments dropped (key=value inputs). */
export function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** An OpenSSH/authorized_keys public key line or a PEM/SSH2 public key block. */
export function isPublicKey(text: string): boolean {
  return (
    /^(?:[a-z0-9-]+(?:="[^"]*")?(?:,[a-z0-9-]+(?:="[^"]*")?)*\s+)?(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp[0-9]+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/=]+/.test(
      text,
    ) || /-----BEGIN (?:SSH2 |RSA )?PUBLIC KEY-----/.test(text)
  );
}

export class InputReader {
  constructor(readonly source: InputSource) {}

  get door(): Door {
    return this.source.door;
  }

  /** The input as the user names it at this door (for errors thrown outside the reader). */
  where(name: string, kind: 'value' | 'secret' | 'text' = 'value'): string {
    return this.source.where(name, kind);
  }

  str(name: string, o: { required?: boolean; default?: string; example?: string } = {}): string {
    const v = this.source.get(name);
    if (v) return v;
    if (o.required)
      throw new ConfigError(this.where(name), 'is required', this.source.howToSet(name, 'value', o.example));
    return o.default ?? '';
  }

  secret(name: string, o: { required?: boolean } = {}): string {
    const v = this.source.getSecret(name) ?? '';
    if (!v.trim() && o.required)
      throw new ConfigError(this.where(name, 'secret'), 'is required', this.source.howToSet(name, 'secret'));
    return v;
  }

  /**
   * An SSH private key. A public key (the `.pub` file, an authorized_keys line) is refused here,
   * before any connection, with the fix — ssh2 would only say "Unsupported key format".
   */
  privateKey(name: string, o: { required?: boolean } = {}): string {
    const v = this.secret(name, o);
    const key = v.trim();
    if (key && isPublicKey(key))
      throw new ConfigError(
        this.where(name, 'secret'),
        'holds a public key, not a private key',
        'give the private key: the file without .pub (it starts with -----BEGIN OPENSSH PRIVATE KEY-----)',
      );
    return v;
  }

  bool(name: string, fallback = false): boolean {
    const v = this.source.get(name);
    return v === undefined ? fallback : parseBool(v, this.where(name));
  }

  int(name: string, fallback: number, range: IntRange = {}): number {
    const v = this.source.get(name);
    return v === undefined ? fallback : parseInt10(v, this.where(name), range);
  }

  list(name: string): string[] {
    return this.source.getList(name) ?? [];
  }

  lines(name: string): string[] {
    return this.source.getLines(name) ?? [];
  }

  multiline(name: string): string {
    return this.source.getText(name) ?? '';
  }

  /** One of a fixed set of words (case-sensitive, as documented). */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.source.get(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v))
      throw new ConfigError(
        this.where(name),
        `${show(v)} is not one of ${allowed.join(', ')}`,
        `use one of ${allowed.join(', ')}`,
      );
    return v as T;
  }
}

/** An in-memory source (tests, and callers that already hold the values). */
export function recordSource(door: Door, values: Record<string, string | string[]>): InputSource {
  const at = (name: string) => (Object.hasOwn(values, name) ? values[name] : undefined);
  const one = (name: string) => {
    const v = at(name);
    if (v === undefined) return undefined;
    const s = (Array.isArray(v) ? v.join('\n') : v).trim();
    return s === '' ? undefined : s;
  };
  return {
    door,
    get: one,
    getList: (name) => {
      const v = at(name);
      return v === undefined ? undefined : Array.isArray(v) ? v : splitList(v);
    },
    getLines: (name) => {
      const v = at(name);
      return v === undefined ? undefined : Array.isArray(v) ? v : splitLines(v);
    },
    getSecret: (name) => one(name),
    getText: (name) => {
      const v = at(name);
      return v === undefined ? undefined : Array.isArray(v) ? v.join('\n') : v;
    },
    where: (name, kind = 'value') =>
      door === 'action' ? `input '${name}'` : `--${name}${kind === 'value' ? '' : '-file'}`,
    howToSet: (name, _kind, example) =>
      door === 'action'
        ? `set \`${name}:\` under \`with:\``
        : `pass --${name} ${example ?? name.replace(/-/g, '_').toUpperCase()}`,
  };
}
