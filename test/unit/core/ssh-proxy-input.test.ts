// The `ssh-proxy` input of the SSH actions and the --ssh-proxy flag: one grammar (user@host[:port]),
// checked before any connection, the error naming the input as the door the user came through.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../src/core/errors.js';
import { InputReader, recordSource } from '../../../src/core/input-reader.js';
import { jumpFor, readSshProxy } from '../../../src/core/ssh-proxy.js';
import { sshHostInputs } from '../../../src/preflight/ssh-host-inputs.js';

const action = (v: Record<string, string>) => new InputReader(recordSource('action', v));
const cli = (v: Record<string, string>) => new InputReader(recordSource('cli', v));
const ROOT = new URL('../../..', import.meta.url).pathname;

describe('ssh-proxy input', () => {
  it.each([
    ['bastion@jump.example.com:2222', 'bastion@jump.example.com:2222'],
    ['jump.example.com', 'jump.example.com'],
    ['ops@[2001:db8::1]:22', 'ops@[2001:db8::1]:22'],
    ['', undefined],
  ])('%j is read as %j', (value, out) => {
    expect(readSshProxy(action(value ? { 'ssh-proxy': value } : {}))).toBe(out);
  });

  it.each([
    ['a@b@c', /is not user@host\[:port\]/],
    ['bastion@jump:99999', /port 99999 is out of range/],
    ['bastion@jump;rm -rf /', /\(host\): "jump;rm/],
    ['-oProxyCommand=x@jump', /user/],
  ])('%j is a usage error naming the input (action) or the flag (CLI)', (value, problem) => {
    for (const [r, name] of [
      [action({ 'ssh-proxy': value }), "input 'ssh-proxy'"],
      [cli({ 'ssh-proxy': value }), '--ssh-proxy'],
    ] as const) {
      let err: unknown;
      try {
        readSshProxy(r);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message.startsWith(name)).toBe(true);
      expect((err as Error).message).toMatch(problem);
    }
  });

  it('host-check reads it with the hosts; the jump host takes the same key and host-key policy', () => {
    // Not parsed here: only passed on to the jump host's options.
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n';
    const inputs = sshHostInputs(
      action({
        hosts: 'deploy@app1:22',
        'ssh-private-key': key,
        'known-hosts': 'x',
        'ssh-proxy': 'ops@bastion:2222',
      }),
    );
    expect(inputs.sshProxy).toBe('ops@bastion:2222');
    const jump = jumpFor(inputs.sshProxy, {
      privateKey: key,
      hostKeys: { knownHosts: 'x', fingerprints: [] },
      connectTimeoutMs: 5000,
    });
    expect(jump).toMatchObject({ user: 'ops', host: 'bastion', port: 2222, privateKey: key });
    expect(jump?.hostKeys).toEqual({ knownHosts: 'x', fingerprints: [] });
    expect(jumpFor(undefined, { privateKey: key, hostKeys: {}, connectTimeoutMs: 1 })).toBeUndefined();
  });

  it.each(['deploy', 'rollback', 'backup', 'restore', 'host-check', 'provision'])(
    'actions/%s declares ssh-proxy with a description',
    (name) => {
      const yml = parse(readFileSync(`${ROOT}actions/${name}/action.yml`, 'utf8'));
      expect(yml.inputs['ssh-proxy'].description).toMatch(/user@host\[:port\]/);
      expect(yml.inputs['ssh-proxy'].required).toBe(false);
    },
  );
});
