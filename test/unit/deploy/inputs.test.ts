import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import { type DeployInputs, runDeploy } from '../../../src/deploy/run.js';
import { runRollback } from '../../../src/rollback/run.js';

const config = (host = 'deploy@127.0.0.1:2201', service = 'app') =>
  parseConfig(`
app: injtest
environments:
  staging:
    roles:
      web:
        hosts: [${JSON.stringify(host)}]
        compose: [compose.yaml]
        strategy: recreate
        service: ${JSON.stringify(service)}
        health: { http: /health }
`);

const base = (): DeployInputs => ({
  config: config(),
  environment: 'staging',
  sshPrivateKey: 'k',
  knownHosts: '',
  fingerprints: [],
  image: `localhost:5000/app@sha256:${'a'.repeat(64)}`,
  env: {},
  repoDir: '/nonexistent',
  runId: 'r',
  actor: 'a',
});

describe('injection strings in every user input are rejected before any connection', () => {
  const cases: Array<[string, Partial<DeployInputs> | (() => Partial<DeployInputs>)]> = [
    ['image', { image: 'app:v1; rm -rf /' }],
    ['image with $()', { image: 'app$(id)' }],
    ['env key', { env: { 'A;touch /tmp/x': 'v' } }],
    ['git sha', { gitSha: 'abc`id`' }],
    ['environment', { environment: 'staging;id' }],
  ];
  it.each(cases)('%s', async (_name, patch) => {
    let connects = 0;
    const inputs = { ...base(), ...(typeof patch === 'function' ? patch() : patch) };
    await expect(
      runDeploy(inputs, {
        logger: new MemoryLogger(),
        connect: () => {
          connects++;
          return {} as RemoteHost;
        },
      }),
    ).rejects.toThrow();
    expect(connects).toBe(0);
  });

  it('host specs and service names in ragship.yml fail at load, naming the key', () => {
    expect(() => config('deploy@host;id:22')).toThrow(/hosts\[0\]/);
    expect(() => config(undefined, 'app $(id)')).toThrow(/service/);
  });

  it('rollback `to` with shell metacharacters fails before any connection', async () => {
    let connects = 0;
    await expect(
      runRollback(
        { ...base(), to: 'v1 && reboot' },
        {
          logger: new MemoryLogger(),
          connect: () => {
            connects++;
            return {} as RemoteHost;
          },
        },
      ),
    ).rejects.toThrow(/is not previous, a release id/);
    expect(connects).toBe(0);
  });
});

describe('registry.tunnel', () => {
  const withRegistry = (registry: string) =>
    parseConfig(`
app: tunneltest
registry: ${registry}
environments:
  staging:
    roles:
      web:
        hosts: [deploy@127.0.0.1:2201]
        compose: [compose.yaml]
        strategy: recreate
        service: app
        health: { http: /health }
`);

  it('accepts localhost:<port>, the one name that means loopback on the runner and on the host', () => {
    expect(withRegistry('{ server: "localhost:5000", tunnel: true }').registry).toEqual({
      server: 'localhost:5000',
      tunnel: true,
    });
  });

  it.each(['ghcr.io', 'localhost', '127.0.0.1:5000', 'registry.internal:5000'])(
    'refuses server %s with tunnel: true, naming the key and the fix',
    (server) => {
      expect(() => withRegistry(`{ server: ${JSON.stringify(server)}, tunnel: true }`)).toThrow(
        /registry\.server[\s\S]*must be localhost:<port>[\s\S]*e\.g\. server: localhost:5000/,
      );
    },
  );
});
