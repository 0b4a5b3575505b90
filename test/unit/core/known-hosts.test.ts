import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  HostKeyError,
  hostKeyCheck,
  hostPattern,
  keyTypeOf,
  knownKeysFor,
  parsePins,
} from '../../../src/core/known-hosts.js';

/** An ssh-ed25519 public key blob (string type, string key) from a fresh key pair. */
function ed25519Blob(): Buffer {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(der.length - 32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdefghij');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const a = ed25519Blob();
const b = ed25519Blob();
const line = (hosts: string, blob: Buffer, marker = '') =>
  `${marker ? `${marker} ` : ''}${hosts} ssh-ed25519 ${blob.toString('base64')}`;

describe('known_hosts parsing', () => {
  it('port 22 uses the bare host, other ports [host]:port', () => {
    expect(hostPattern('app1', 22)).toBe('app1');
    expect(hostPattern('127.0.0.1', 2201)).toBe('[127.0.0.1]:2201');
  });

  it('finds plain entries, several names per line, and ignores comments and other hosts', () => {
    const text = ['# comment', '', line('other.example.com', b), line('app1,10.0.0.5', a)].join('\n');
    expect(knownKeysFor(text, 'app1', 22).keys.map((k) => k.blob)).toEqual([a]);
    expect(knownKeysFor(text, '10.0.0.5', 22).keys).toHaveLength(1);
    expect(knownKeysFor(text, '10.0.0.5', 2222).keys).toHaveLength(0);
  });

  it('matches hashed entries (|1|salt|hmac) for host and [host]:port', () => {
    const text = [line(hashed('[127.0.0.1]:2201'), a), line(hashed('app1'), b)].join('\n');
    expect(knownKeysFor(text, '127.0.0.1', 2201).keys.map((k) => k.blob)).toEqual([a]);
    expect(knownKeysFor(text, 'app1', 22).keys.map((k) => k.blob)).toEqual([b]);
    expect(knownKeysFor(text, '127.0.0.1', 22).keys).toHaveLength(0);
  });

  it('supports * and ? wildcards', () => {
    const text = line('*.example.com,db?.internal', a);
    expect(knownKeysFor(text, 'web1.example.com', 22).keys).toHaveLength(1);
    expect(knownKeysFor(text, 'db1.internal', 22).keys).toHaveLength(1);
    expect(knownKeysFor(text, 'db10.internal', 22).keys).toHaveLength(0);
    expect(knownKeysFor(text, 'example.com.evil', 22).keys).toHaveLength(0);
  });

  it('a negated pattern that matches rejects the whole line', () => {
    const text = line('*.example.com,!bastion.example.com', a);
    expect(knownKeysFor(text, 'web.example.com', 22).keys).toHaveLength(1);
    expect(knownKeysFor(text, 'bastion.example.com', 22).keys).toHaveLength(0);
  });

  it('@revoked keys are rejected even when another line trusts them; @cert-authority lines are not host keys', () => {
    const text = [line('app1', a), line('app1', a, '@revoked'), line('app1', b, '@cert-authority')].join(
      '\n',
    );
    const found = knownKeysFor(text, 'app1', 22);
    expect(found.revoked.map((k) => k.blob)).toEqual([a]);
    expect(found.keys.map((k) => k.blob)).toEqual([a]);
    const verdict = hostKeyCheck({ knownHosts: text }, 'app1', 22, 'app1').verify(a);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error.message).toMatch(/@revoked/);
  });
});

describe('fingerprints and pins', () => {
  it('prints SHA256:<unpadded base64> like ssh-keygen -lf, and reads the key type from the blob', () => {
    expect(fingerprint(a)).toBe(
      `SHA256:${createHash('sha256').update(a).digest('base64').replace(/=+$/, '')}`,
    );
    expect(keyTypeOf(a)).toBe('ssh-ed25519');
  });

  it('accepts SHA256 pins with or without a key type', () => {
    expect(parsePins([fingerprint(a), `ssh-ed25519 ${fingerprint(b)}`], 'pins')).toEqual([
      { type: undefined, fingerprint: fingerprint(a) },
      { type: 'ssh-ed25519', fingerprint: fingerprint(b) },
    ]);
  });

  it.each([
    ['an MD5 hex fingerprint', '16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', /MD5 hex/],
    ['MD5: prefixed', 'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', /MD5 hex/],
    ['a SHA256 in hex', `SHA256:${'ab'.repeat(32)}`, /hex fingerprint/],
    ['garbage', 'not-a-key', /not a SHA256 host key fingerprint/],
  ])('refuses %s with a message naming it', (_what, pin, why) => {
    expect(() => parsePins([pin], 'host-fingerprints')).toThrow(HostKeyError);
    expect(() => parsePins([pin], 'host-fingerprints')).toThrow(why);
    expect(() => parsePins([pin], 'host-fingerprints')).toThrow(JSON.stringify(pin));
  });
});

describe('hostKeyCheck', () => {
  it('fails closed before connecting when neither known_hosts nor pins are given', () => {
    expect(() => hostKeyCheck({}, 'app1', 22, 'app1')).toThrow(/fails closed/);
  });

  it('an unknown host names the offered fingerprint and that nothing is expected', () => {
    const check = hostKeyCheck({ knownHosts: line('other', a) }, 'app1', 22, 'app1');
    const v = check.verify(b);
    expect(v.ok).toBe(false);
    if (!v.ok)
      expect(v.error.message).toMatch(
        new RegExp(
          `unknown host app1: offered ssh-ed25519 ${fingerprint(b).replace(/[+/]/g, '\\$&')}; expected none`,
        ),
      );
  });

  it('a changed key names both the offered and the expected fingerprint', () => {
    const v = hostKeyCheck({ knownHosts: line('app1', a) }, 'app1', 22, 'app1').verify(b);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.error.message).toContain('HOST KEY MISMATCH');
      expect(v.error.message).toContain(`offered ssh-ed25519 ${fingerprint(b)}`);
      expect(v.error.message).toContain(`expected ssh-ed25519 ${fingerprint(a)} (known_hosts)`);
    }
  });

  it('accepts a matching known_hosts key or pin and restricts negotiation to known types', () => {
    const check = hostKeyCheck(
      { knownHosts: line('app1', a), fingerprints: [`ssh-ed25519 ${fingerprint(b)}`] },
      'app1',
      22,
      'app1',
    );
    expect(check.verify(a).ok).toBe(true);
    expect(check.verify(b).ok).toBe(true);
    expect(check.algorithms).toEqual(['ssh-ed25519']);
    expect(hostKeyCheck({ fingerprints: [fingerprint(a)] }, 'app1', 22, 'x').algorithms).toBeUndefined();
  });
});
