import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { needsCertificate } from '../../../src/tls/renew.js';

const dir = mkdtempSync(join(tmpdir(), 'ragship-tls-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for `names`, valid for `days` from now (openssl, as on any host). */
function cert(names: string[], days: number): X509Certificate {
  const out = join(dir, `${names[0]}-${days}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      String(days),
    ]
      .concat([
        '-subj',
        `/CN=${names[0]}`,
        '-addext',
        `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      ])
      .concat(['-keyout', join(dir, 'key.pem'), '-out', out]),
    { stdio: 'ignore' },
  );
  return new X509Certificate(readFileSync(out));
}

describe('needsCertificate: when `ragship tls renew` orders a new certificate', () => {
  const settings = { domains: ['rag.example.com', 'www.rag.example.com'], renewDays: 30 };

  it('keeps a certificate that covers every domain and has more than renewDays left', () => {
    expect(needsCertificate(cert(settings.domains, 60), settings)).toBeUndefined();
  });

  it('renews one that expires within renewDays, saying in how many days', () => {
    expect(needsCertificate(cert(settings.domains, 10), settings)).toMatch(/expires in (9|10)\.\d days/);
  });

  it('renews one that misses a domain, naming it', () => {
    expect(needsCertificate(cert(['rag.example.com'], 60), settings)).toBe(
      'the installed certificate does not cover www.rag.example.com',
    );
  });

  it('orders when nothing is installed, and always with --force', () => {
    expect(needsCertificate(undefined, settings)).toBe('no certificate installed');
    expect(needsCertificate(cert(settings.domains, 60), settings, true)).toBe('renewal forced');
  });
});
