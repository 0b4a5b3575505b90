import { describe, expect, it } from 'vitest';
import { SecretRegistry } from '../../../src/core/redact.js';

describe('secret redaction', () => {
  it('masks the value, its base64 and its URL encoding', () => {
    const s = new SecretRegistry();
    const secret = 'p@ss word/+=?&';
    s.add(secret);
    const text = `raw=${secret} b64=${Buffer.from(secret).toString('base64')} url=${encodeURIComponent(secret)}`;
    const out = s.redact(text);
    expect(out).toBe('raw=*** b64=*** url=***');
    expect(s.has(text)).toBe(true);
    expect(s.has('nothing here')).toBe(false);
  });

  it('masks each line of a multi-line key on its own', () => {
    const s = new SecretRegistry();
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';
    s.add(key);
    const leaked = 'debug: line b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ and AAAAMwAAAAtzc2gtZW';
    expect(s.redact(leaked)).toBe('debug: line *** and ***');
    expect(s.redact(key)).not.toContain('b3BlbnNz');
  });

  it('replaces a longer secret whole even when it contains a shorter one', () => {
    const s = new SecretRegistry();
    s.add('abcdef');
    s.add('xxabcdefyy');
    expect(s.redact('[xxabcdefyy] [abcdef]')).toBe('[***] [***]');
  });

  it('ignores empty and very short values (masking "a" would garble every log)', () => {
    const s = new SecretRegistry();
    s.add('');
    s.add(undefined);
    s.add('ab');
    expect(s.redact('a b ab')).toBe('a b ab');
  });

  it('tells listeners about every form, including ones added before they subscribed', () => {
    const s = new SecretRegistry();
    s.add('first-secret');
    const seen: string[] = [];
    s.onAdd((v) => seen.push(v));
    s.add('second-secret');
    expect(seen).toContain('first-secret');
    expect(seen).toContain(Buffer.from('first-secret').toString('base64'));
    expect(seen).toContain('second-secret');
  });
});
