// A rollback's apply plan is data: built from what the check step read on each host, asserted
// here without a host. The sequences test (test/unit/deploy/sequences.test.ts) runs it.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { planApply } from '../../../src/deploy/apply.js';
import type { ComposeTarget } from '../../../src/deploy/commands.js';
import type { ReleaseRecord } from '../../../src/deploy/release-log.js';
import { EnvSession, type ReleaseManifest } from '../../../src/deploy/session.js';
import { type RecordedRelease, roleHostKey, rollbackPlan } from '../../../src/rollback/plan.js';
import { RecordingHost } from '../../support/fake-host.js';

const config = parseConfig(`
app: planapp
environments:
  prod:
    root: /srv/planapp
    roles:
      web:
        hosts: [deploy@10.0.0.5, deploy@10.0.0.6]
        compose: [compose.yaml]
        service: app
        proxy: { service: nginx, upstream: up, port: 8080, file: nginx/app.upstream.conf }
        health: { http: /health, port: 3000 }
      gpu:
        hosts: [deploy@10.0.0.7]
        compose: [compose.gpu.yaml]
        service: vllm
        strategy: recreate
        appImage: false
        health: { http: /health, port: 8000 }
`);

function session(): EnvSession {
  const s = new EnvSession(
    { config, environment: 'prod', sshPrivateKey: 'k', knownHosts: '', fingerprints: [] },
    {
      logger: new MemoryLogger(),
      connect: (spec) => new RecordingHost([], `${spec.user}@${spec.host}:${spec.port}`),
    },
  );
  for (const h of s.hosts.values()) {
    h.root = '/srv/planapp';
    h.compose = ['docker', 'compose'];
  }
  return s;
}

const DIGEST = `registry.example/planapp@sha256:${'1'.repeat(64)}`;
const target: ReleaseRecord = {
  id: 'R1',
  kind: 'deploy',
  app: 'planapp',
  environment: 'prod',
  image: DIGEST,
  images: { web: DIGEST },
  composeHash: 'c',
  envHash: 'e',
  actor: 't',
  result: 'success',
  startedAt: '',
  finishedAt: '',
  timings: {},
};

describe('rollback plan (data, no host)', () => {
  it('switches every role and host to the recorded folder, in roll order, with no pull and no migration', () => {
    const s = session();
    const recorded = new Map<string, RecordedRelease>();
    const previous = new Map<string, ComposeTarget | undefined>();
    for (const [roleName] of s.roles)
      for (const h of s.roleHosts(roleName)) {
        const manifest: ReleaseManifest = {
          releaseId: 'R1',
          role: roleName,
          image: DIGEST,
          composeFiles: [roleName === 'web' ? 'compose.yaml' : 'compose.gpu.yaml'],
          supportServices: roleName === 'web' ? ['redis'] : [],
          services: [],
          files: [],
          static: roleName === 'web' ? { from: '/app/public', dir: 'public' } : undefined,
        };
        recorded.set(roleHostKey(roleName, h.key), {
          manifest,
          target: s.target(h, roleName, 'R1', manifest.composeFiles),
        });
        previous.set(roleHostKey(roleName, h.key), s.target(h, roleName, 'R2', manifest.composeFiles));
      }
    const plan = rollbackPlan(s, { folder: 'R1', target, activeFolder: 'R2', recorded, previous });
    expect(plan.releaseId).toBe('R1');
    expect(plan.runMigrations).toBe(false);
    expect(plan.roles.map((r) => [r.roleName, r.pullServices, r.supportServices])).toEqual([
      ['web', [], ['redis']],
      ['gpu', [], []],
    ]);
    const web = plan.roles[0]!;
    expect(web.hosts.map((x) => x.h.key)).toEqual(['deploy@10.0.0.5:22', 'deploy@10.0.0.6:22']);
    for (const x of web.hosts) {
      expect(x.target.files).toEqual([
        '/srv/planapp/releases/R1/web/compose.yaml',
        '/srv/planapp/releases/R1/web/env.yaml',
      ]);
      expect(x.previous?.envFile).toBe('/srv/planapp/releases/R2/web/compose.env');
      // The target's page from its folder; the active release's comes back if the switch fails.
      expect(x.static).toMatchObject({
        image: DIGEST,
        release: {
          source: '/srv/planapp/releases/R1/web/static',
          published: '/srv/planapp/shared/web/public',
        },
        previous: { source: '/srv/planapp/releases/R2/web/static' },
      });
    }
    // A role without the app image (vLLM) keeps its recorded compose and has no static files.
    const gpu = plan.roles[1]!.hosts[0]!;
    expect(gpu.target.files[0]).toBe('/srv/planapp/releases/R1/gpu/compose.gpu.yaml');
    expect(gpu.static).toBeUndefined();
  });

  it('without an active release there is nothing to restore', () => {
    const s = session();
    const recorded = new Map<string, RecordedRelease>();
    for (const [roleName] of s.roles)
      for (const h of s.roleHosts(roleName))
        recorded.set(roleHostKey(roleName, h.key), {
          manifest: {
            releaseId: 'R1',
            role: roleName,
            image: DIGEST,
            composeFiles: ['c.yaml'],
            supportServices: [],
            services: [],
            files: [],
          },
          target: s.target(h, roleName, 'R1', ['c.yaml']),
        });
    const plan = rollbackPlan(s, { folder: 'R1', target, recorded, previous: new Map() });
    expect(plan.roles.flatMap((r) => r.hosts.map((x) => x.previous))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('planApply (a deploy spec resolved once into data)', () => {
  it('asks each function once per role and host, in roll order, and keeps the answers', async () => {
    const s = session();
    const asked: string[] = [];
    const plan = await planApply(s, {
      releaseId: 'R9',
      targets: (roleName, h) => s.target(h, roleName, 'R9', ['compose.yaml']),
      previous: async (roleName, h) => {
        asked.push(`${roleName} ${h.key}`);
        return roleName === 'gpu' ? s.target(h, roleName, 'R8', ['compose.yaml']) : undefined;
      },
      supportServices: (roleName) => (roleName === 'web' ? ['redis'] : []),
      pullServices: (roleName) => (roleName === 'web' ? ['app'] : []),
      runMigrations: true,
      pullTimeoutSeconds: 60,
    });
    expect(asked).toEqual(['web deploy@10.0.0.5:22', 'web deploy@10.0.0.6:22', 'gpu deploy@10.0.0.7:22']);
    expect(plan).toMatchObject({ releaseId: 'R9', runMigrations: true, pullTimeoutSeconds: 60 });
    expect(plan.roles.map((r) => [r.roleName, r.pullServices, r.hosts.length])).toEqual([
      ['web', ['app'], 2],
      ['gpu', [], 1],
    ]);
    expect(plan.roles[1]!.hosts[0]!.previous?.envFile).toBe('/srv/planapp/releases/R8/gpu/compose.env');
    expect(plan.roles[0]!.hosts[1]!.target.envFile).toBe('/srv/planapp/releases/R9/web/compose.env');
  });
});
