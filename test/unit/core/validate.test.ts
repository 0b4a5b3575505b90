import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { type GrammarName, grammars, isValid, parseHostSpec, validate } from '../../../src/core/validate.js';

const hostile = ['x; rm -rf /', '$(id)', '`id`', 'a b', '--help', 'v1\n', '../../etc'];
const kinds: GrammarName[] = [
  'tag',
  'service',
  'envVar',
  'name',
  'releaseId',
  'user',
  'hostname',
  'repository',
  'imageRef',
  'digest',
  'sha',
];

describe('validators', () => {
  for (const kind of kinds) {
    it.each(hostile)(`${kind} rejects %j with a message naming the input`, (value) => {
      let err: unknown;
      try {
        validate(kind, value, `input '${kind}'`);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain(`input '${kind}'`);
      expect(message).toContain(JSON.stringify(value));
    });
    it(`${kind} rejects an empty string, saying it is empty`, () => {
      expect(() => validate(kind, '', `input '${kind}'`)).toThrow(new RegExp(`input '${kind}': is empty`));
    });
  }

  it('rejects a 129-character tag and accepts 128', () => {
    const long = `v${'1'.repeat(128)}`;
    expect(() => validate('tag', long, 'tag')).toThrow(/longer than 128 characters/);
    expect(() => validate('tag', long, 'tag')).toThrow(/129 characters/);
    expect(validate('tag', 'v'.repeat(128), 'tag')).toHaveLength(128);
  });

  it('accepts ordinary values', () => {
    expect(validate('tag', 'v1.2.3-rc_1', 't')).toBe('v1.2.3-rc_1');
    expect(validate('repository', 'localhost:5000/acme/app', 'r')).toBeTruthy();
    expect(validate('imageRef', `ghcr.io/acme/app:v1@sha256:${'a'.repeat(64)}`, 'i')).toBeTruthy();
    expect(validate('envVar', 'OPENAI_API_KEY', 'e')).toBeTruthy();
    expect(validate('releaseId', '20261127T140102Z-abc1234', 'id')).toBeTruthy();
    expect(validate('hostname', '[::1]', 'h')).toBeTruthy();
  });

  it('every grammar is anchored at both ends: a valid value with junk before or after fails', () => {
    const good: Record<GrammarName, string> = {
      tag: 'v1',
      digest: `sha256:${'a'.repeat(64)}`,
      repository: 'acme/app',
      imageRef: 'acme/app:v1',
      service: 'app',
      envVar: 'FOO',
      name: 'production',
      releaseId: '20261127T140102Z-abc1234',
      user: 'deploy',
      hostname: 'app1.example.com',
      sha: 'abc1234',
    };
    for (const kind of Object.keys(grammars) as GrammarName[]) {
      expect(isValid(kind, good[kind]), `${kind} accepts ${good[kind]}`).toBe(true);
      for (const bad of [
        `;${good[kind]}`,
        `${good[kind]};`,
        `${good[kind]}\n`,
        `\n${good[kind]}`,
        `${good[kind]} x`,
      ]) {
        expect(isValid(kind, bad), `${kind} must reject ${JSON.stringify(bad)}`).toBe(false);
      }
      expect(grammars[kind].pattern.source.startsWith('^')).toBe(true);
      expect(grammars[kind].pattern.source.endsWith('$')).toBe(true);
      expect(grammars[kind].pattern.flags).not.toContain('m');
    }
  });

  it('parseHostSpec validates user, host and port', () => {
    expect(parseHostSpec('deploy@127.0.0.1:2201', 'hosts[0]')).toEqual({
      user: 'deploy',
      host: '127.0.0.1',
      port: 2201,
    });
    expect(parseHostSpec('app1.example.com', 'h')).toEqual({
      user: 'deploy',
      host: 'app1.example.com',
      port: 22,
    });
    expect(parseHostSpec('deploy@[::1]:22', 'h')).toEqual({ user: 'deploy', host: '::1', port: 22 });
    expect(() => parseHostSpec('x; rm -rf /', 'hosts[0]')).toThrow(/hosts\[0\]/);
    expect(() => parseHostSpec('$(id)@host', 'hosts[1]')).toThrow(/hosts\[1\] \(user\)/);
    expect(() => parseHostSpec('deploy@host:70000', 'hosts[2]')).toThrow(/port 70000 is out of range/);
  });
});
