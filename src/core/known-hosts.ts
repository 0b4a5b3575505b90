import { createHash, createHmac } from 'node:crypto';
import { UserError } from './errors.js';

/**
 * Host key trust, failing closed: a host is trusted only through known_hosts content
 * (plain or hashed entries, any key types) or SHA256 fingerprint pins.
 */
export interface HostKeyPolicy {
  /** known_hosts file content. */
  knownHosts?: string;
  /** SHA256:<base64> fingerprints, optionally prefixed by the key type ("ssh-ed25519 SHA256:…"). */
  fingerprints?: string[];
}

export interface KnownKey {
  type: string;
  blob: Buffer;
}

export class HostKeyError extends UserError {}

/** `SHA256:` + unpadded base64 of the key blob, as `ssh-keygen -lf` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** The host pattern ssh uses in known_hosts: `host` for port 22, `[host]:port` otherwise. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(text);
}

function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

/** Keys known_hosts lists for host:port, and keys it marks @revoked. */
export function knownKeysFor(
  knownHosts: string,
  host: string,
  port: number,
): { keys: KnownKey[]; revoked: KnownKey[] } {
  const name = hostPattern(host, port);
  const keys: KnownKey[] = [];
  const revoked: KnownKey[] = [];
  for (const raw of knownHosts.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker = '';
    if (fields[0]?.startsWith('@')) {
      marker = fields[0];
      fields = fields.slice(1);
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64 || marker === '@cert-authority') continue;
    if (!hostFieldMatches(hosts, name)) continue;
    const entry = { type, blob: Buffer.from(b64, 'base64') };
    (marker === '@revoked' ? revoked : keys).push(entry);
  }
  return { keys, revoked };
}

const FINGERPRINT = /^(?:([a-z0-9@.-]+)\s+)?SHA256:([A-Za-z0-9+/]{43})=?$/;

/** Validates pins up front; hex/MD5 fingerprints are refused with the command that prints the right form. */
export function parsePins(pins: string[], where: string): Array<{ type?: string; fingerprint: string }> {
  return pins.map((pin) => {
    const m = FINGERPRINT.exec(pin.trim());
    if (!m) {
      const bare = pin.trim().replace(/^(?:[a-z0-9@.-]+\s+)?(?:MD5:|SHA256:)?/i, '');
      const hint = /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(bare)
        ? ' (that is an MD5 hex fingerprint)'
        : /^(?:[0-9a-f]{64}|([0-9a-f]{2}:){31}[0-9a-f]{2})$/i.test(bare)
          ? ' (that is a hex fingerprint; ssh uses base64)'
          : '';
      throw new HostKeyError(
        where,
        `${JSON.stringify(pin)} is not a SHA256 host key fingerprint${hint}`,
        'give "SHA256:<base64>" as printed by `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host',
      );
    }
    return { type: m[1], fingerprint: `SHA256:${m[2]}` };
  });
}

/** ssh2 host-key algorithm names to offer for known key types, so the server shows a key we can check. */
export function hostKeyAlgorithmsFor(types: string[]): string[] | undefined {
  if (types.length === 0) return undefined;
  const algs = new Set<string>();
  for (const t of types) {
    if (t === 'ssh-rsa') for (const a of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']) algs.add(a);
    else algs.add(t);
  }
  return [...algs];
}

export interface HostKeyCheck {
  /** Algorithms to restrict negotiation to, when known_hosts tells us the types. */
  algorithms?: string[];
  /** What is trusted, for messages: "ssh-ed25519 SHA256:… (known_hosts)". */
  expected: string[];
  verify(blob: Buffer): { ok: true } | { ok: false; error: HostKeyError };
  /** The error for a server that offered no key of the trusted types (negotiation failed). */
  noCommonType(offered?: Buffer): HostKeyError;
}

const FIX_MISMATCH =
  'if the host was rebuilt, verify the new key out of band and update known_hosts/fingerprints; otherwise treat this as an attack and do not connect';

/**
 * Builds the verifier for one host. A policy with neither known_hosts nor pins is a
 * configuration error (thrown here, before any connection); known_hosts without an
 * entry for this host is an "unknown host" reported with the key the server offers.
 */
export function hostKeyCheck(policy: HostKeyPolicy, host: string, port: number, where: string): HostKeyCheck {
  const pins = parsePins(policy.fingerprints ?? [], `${where} fingerprints`);
  if (pins.length === 0 && !policy.knownHosts?.trim()) {
    throw new HostKeyError(
      where,
      `no known_hosts and no host key fingerprint given for ${hostPattern(host, port)} (host key checking fails closed)`,
      `pass known_hosts content (ssh-keyscan -p ${port} ${host}, checked out of band) or the host's SHA256 fingerprint`,
    );
  }
  const { keys, revoked } = policy.knownHosts
    ? knownKeysFor(policy.knownHosts, host, port)
    : { keys: [], revoked: [] };
  const expected = [
    ...keys.map((k) => `${k.type} ${fingerprint(k.blob)} (known_hosts)`),
    ...pins.map((p) => `${p.type ?? 'any type'} ${p.fingerprint} (pin)`),
  ];
  const expectedText = expected.length
    ? expected.join(', ')
    : 'none (no known_hosts entry or pin for this host)';
  const pinTypes = pins.map((p) => p.type).filter((t): t is string => !!t);
  const typed = pins.every((p) => p.type);
  const known = keys.length > 0 || pins.length > 0;
  return {
    algorithms: known && typed ? hostKeyAlgorithmsFor([...keys.map((k) => k.type), ...pinTypes]) : undefined,
    expected,
    verify(blob) {
      const offered = `${keyTypeOf(blob)} ${fingerprint(blob)}`;
      if (revoked.some((k) => k.blob.equals(blob))) {
        return {
          ok: false,
          error: new HostKeyError(
            where,
            `host key ${offered} is marked @revoked in known_hosts`,
            'replace the host key and update known_hosts',
          ),
        };
      }
      if (keys.some((k) => k.blob.equals(blob))) return { ok: true };
      if (pins.some((p) => p.fingerprint === fingerprint(blob))) return { ok: true };
      if (!known) {
        return {
          ok: false,
          error: new HostKeyError(
            where,
            `unknown host ${hostPattern(host, port)}: offered ${offered}; expected ${expectedText}`,
            `verify ${fingerprint(blob)} out of band (ssh-keygen -lf on the host), then add the host's line to known_hosts or pin the fingerprint`,
          ),
        };
      }
      return {
        ok: false,
        error: new HostKeyError(
          where,
          `HOST KEY MISMATCH for ${hostPattern(host, port)}: offered ${offered}; expected ${expectedText}`,
          FIX_MISMATCH,
        ),
      };
    },
    noCommonType(offeredBlob) {
      const offered = offeredBlob
        ? `${keyTypeOf(offeredBlob)} ${fingerprint(offeredBlob)}`
        : 'no key of those types';
      return new HostKeyError(
        where,
        `HOST KEY MISMATCH for ${hostPattern(host, port)}: the server offers no host key of the trusted type(s); offered ${offered}; expected ${expectedText}`,
        FIX_MISMATCH,
      );
    },
  };
}
