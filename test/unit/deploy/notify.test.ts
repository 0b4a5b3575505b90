// Real parts: a local HTTP server on 127.0.0.1:18189 recording requests, standing in for the
// GitHub REST API (deployments) and a Slack/Discord incoming webhook.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { DeployNotifier, type NotifyOptions } from '../../../src/deploy/notify.js';

const PORT = 18189;
const BASE = `http://127.0.0.1:${PORT}`;
interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}
let seen: Seen[] = [];
let failWith = 0;
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(raw || '{}') });
      if (failWith) return res.writeHead(failWith).end('{"message":"nope"}');
      const isDeployment = req.url!.endsWith('/deployments');
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify(isDeployment ? { id: 4242 } : { id: 1 }));
    });
  });
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  failWith = 0;
});

const options = (extra: Partial<NotifyOptions> = {}): NotifyOptions => ({
  apiUrl: `${BASE}/api/`,
  repository: 'acme/rag',
  token: 'ghs_token_for_tests',
  ref: '5eed0000c0ffee0000000000000000000000beef',
  environment: 'production',
  runUrl: 'https://github.com/acme/rag/actions/runs/7',
  app: 'rag',
  kind: 'deploy',
  ...extra,
});

describe('deployment statuses and webhooks (recorded by a local HTTP server)', () => {
  it('a successful deploy: deployment created, in_progress then success with the URL; Slack payload names the release', async () => {
    const n = new DeployNotifier(options({ webhookUrl: `${BASE}/hooks/slack` }), new MemoryLogger());
    await n.start();
    await n.finish({
      ok: true,
      detail: '20261127T150000Z-abc',
      image: 'r@sha256:1',
      url: 'https://rag.example/',
    });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /api/repos/acme/rag/deployments',
      'POST /api/repos/acme/rag/deployments/4242/statuses',
      'POST /api/repos/acme/rag/deployments/4242/statuses',
      'POST /hooks/slack',
    ]);
    expect(seen[0]!.headers.authorization).toBe('Bearer ghs_token_for_tests');
    expect(seen[0]!.body).toMatchObject({
      ref: options().ref,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      production_environment: true,
    });
    expect(seen[1]!.body).toMatchObject({ state: 'in_progress', log_url: options().runUrl });
    expect(seen[2]!.body).toMatchObject({
      state: 'success',
      environment_url: 'https://rag.example/',
      auto_inactive: true,
    });
    expect(seen[3]!.body.text).toMatch(
      /✅ deploy of rag to production succeeded\nrelease 20261127T150000Z-abc/,
    );
  });

  it('a failed deploy: failure status with the first line of the error; Discord payload without mentions', async () => {
    const n = new DeployNotifier(
      options({ webhookUrl: `${BASE}/api/webhooks/1/x`, webhookFormat: 'discord', kind: 'rollback' }),
      new MemoryLogger(),
    );
    await n.start();
    await n.finish({ ok: false, detail: 'migrate: the migration exited with status 3\nsecond line' });
    expect(seen[2]!.body).toMatchObject({
      state: 'failure',
      description: 'migrate: the migration exited with status 3',
    });
    expect(seen[3]!.body.content).toMatch(/❌ rollback of rag to production FAILED\nmigrate: the migration/);
    expect(seen[3]!.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('without a token only the webhook is called; a failing API or webhook warns and never throws', async () => {
    const quiet = new DeployNotifier(
      options({ token: '', webhookUrl: `${BASE}/hooks/slack` }),
      new MemoryLogger(),
    );
    await quiet.start();
    await quiet.finish({ ok: true, detail: 'r1' });
    expect(seen.map((s) => s.url)).toEqual(['/hooks/slack']);
    seen = [];
    failWith = 500;
    const l = new MemoryLogger();
    const broken = new DeployNotifier(options({ webhookUrl: `${BASE}/hooks/slack` }), l);
    await broken.start();
    await broken.finish({ ok: false, detail: 'boom' });
    expect(l.text()).toMatch(/could not create the GitHub deployment: .*HTTP 500/);
    expect(l.text()).toMatch(/could not send the alert webhook: HTTP 500/);
  });
});
