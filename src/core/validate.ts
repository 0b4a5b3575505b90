import { ConfigError as UserError } from './errors.js';

/**
 * Anchored grammars for every user-supplied string that may reach a shell or a host.
 * JavaScript's `$` without the m flag matches only at the very end, so "v1\n" fails.
 */
interface Grammar {
  pattern: RegExp;
  max: number;
  describe: string;
  example: string;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN =
  '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?)';
const REPOSITORY = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

export const grammars = {
  tag: {
    pattern: new RegExp(`^${TAG}$`),
    max: 128,
    describe: 'a Docker tag: letters, digits, _ . - (not first), at most 128 characters',
    example: 'v1.2.3',
  },
  digest: {
    pattern: new RegExp(`^${DIGEST}$`),
    max: 71,
    describe: 'a sha256 digest',
    example: 'sha256:<64 hex digits>',
  },
  repository: {
    pattern: new RegExp(`^${REPOSITORY}$`),
    max: 255,
    describe: 'an image repository: lower-case path components, optional registry host[:port]',
    example: 'ghcr.io/acme/app',
  },
  imageRef: {
    pattern: new RegExp(`^${REPOSITORY}(?::${TAG})?(?:@${DIGEST})?$`),
    max: 400,
    describe: 'an image reference repo[:tag][@sha256:digest]',
    example: 'ghcr.io/acme/app@sha256:…',
  },
  service: {
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/,
    max: 63,
    describe: 'a compose service name: letters, digits, _ . -',
    example: 'app',
  },
  envVar: {
    pattern: /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    max: 128,
    describe: 'an environment variable name: letters, digits, _ (not first digit)',
    example: 'OPENAI_API_KEY',
  },
  name: {
    pattern: /^[a-z][a-z0-9-]{0,31}$/,
    max: 32,
    describe: 'a name: lower-case letters, digits and -, starting with a letter, at most 32',
    example: 'production',
  },
  releaseId: {
    pattern: /^[0-9]{8}T[0-9]{6}Z-[a-z0-9]{1,40}$/,
    max: 57,
    describe: 'a release id like 20261127T140102Z-abc1234',
    example: '20261127T140102Z-abc1234',
  },
  user: { pattern: /^[a-z_][a-z0-9_-]{0,31}$/, max: 32, describe: 'a Unix user name', example: 'deploy' },
  hostname: {
    pattern: new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]{2,45}\\])$`),
    max: 253,
    describe: 'a host name, IPv4 address or [IPv6] address',
    example: 'app1.example.com',
  },
  sha: {
    pattern: /^[a-f0-9]{7,40}$/,
    max: 40,
    describe: 'a git commit sha (7–40 hex digits)',
    example: 'abc1234',
  },
} satisfies Record<string, Grammar>;

export type GrammarName = keyof typeof grammars;

function show(value: string): string {
  const s = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return value.length > 60 ? `${s} (${value.length} characters)` : s;
}

/** Throws a UserError naming `where` unless `value` matches the grammar in full. */
export function validate(kind: GrammarName, value: unknown, where: string): string {
  const g: Grammar = grammars[kind];
  if (typeof value !== 'string' || value === '') {
    throw new UserError(where, `is empty; expected ${g.describe}`, `set it, e.g. ${g.example}`);
  }
  if (value.length > g.max) {
    throw new UserError(where, `${show(value)} is longer than ${g.max} characters`, `use ${g.describe}`);
  }
  if (!g.pattern.test(value)) {
    throw new UserError(where, `${show(value)} is not ${g.describe}`, `use a value like ${g.example}`);
  }
  return value;
}

export function isValid(kind: GrammarName, value: string): boolean {
  const g: Grammar = grammars[kind];
  return value.length > 0 && value.length <= g.max && g.pattern.test(value);
}

export interface HostSpec {
  user: string;
  host: string;
  port: number;
}

/** Parses `user@host[:port]`, validating every part. */
export function parseHostSpec(spec: string, where: string, defaultUser = 'deploy'): HostSpec {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:@]+)(?::([0-9]{1,5}))?$/.exec(spec);
  if (!m) {
    throw new UserError(
      where,
      `${show(spec)} is not user@host[:port]`,
      'write it like deploy@app1.example.com:22',
    );
  }
  const user = validate('user', m[1] ?? defaultUser, `${where} (user)`);
  const host = validate('hostname', m[2], `${where} (host)`);
  const port = m[3] ? Number(m[3]) : 22;
  if (port < 1 || port > 65535) throw new UserError(where, `port ${port} is out of range`, 'use 1–65535');
  return { user, host: host.replace(/^\[|\]$/g, ''), port };
}
