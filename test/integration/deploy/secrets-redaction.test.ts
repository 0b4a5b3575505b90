// Issue 17 item 7 (rest), on real parts: the sandbox "cpu" sshd (user deploy), Docker Engine +
// docker-compose 1.29, the registry with auth, nginx; the deploy action bundle through the local
// action runner with a recording stand-in for the GitHub deployments API.
// - envHash in the release log is an HMAC under the host's own key (~/.ragship/env-hash.key),
//   not the unsalted SHA-256 that let anyone with the log confirm a guessed secret.
// - a migration that prints a secret, and one that fails with the secret in its error text:
//   the secret is nowhere in the release log file, the logs/stdout, the job summary or the
//   deployment-status descriptions.
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { LocalActionRunner, visibleAfterRun } from '../../support/action-runner.js';
import { knownHosts, privateKey, sandbox, sandboxHost } from '../../support/sandbox.js';
import {
  cleanup,
  deployInputs,
  FIXTURE,
  fixtureImages,
  fixtureYaml,
  logger,
  releaseLog,
  stagingRoot,
} from './fixture.js';

const APP = 'rsf17-secrets';
const PORT = 18306;
const HOOKS = 18307;
const SECRET = `tok-${process.pid}-Zq9xVv3rLm`;
const KEY = `/home/${sandboxHost('cpu').user}/.ragship/env-hash.key`;
const PRINTS = `command: [node, -e, "console.log('migration sees token ' + process.env.API_TOKEN)"]`;
const FAILS = `command: [node, -e, "console.error('login failed for token ' + process.env.API_TOKEN); process.exit(3)"]`;
let images: Record<string, string>;
let hooks: Server;
const recorded: Array<{ url: string; body: Record<string, unknown> }> = [];

/** The fixture's ragship.yml with the migration command replaced. */
const yaml = (command: string) =>
  fixtureYaml(APP, PORT).replace('command: [node, migrate.js]', command.replace(/^command: /, 'command: '));

const logText = () => readFileSync(`${stagingRoot(APP)}/releases.jsonl`, 'utf8');

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      recorded.push({ url: req.url!, body: JSON.parse(raw || '{}') });
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":91}');
    });
  });
  await new Promise<void>((r) => hooks.listen(HOOKS, '127.0.0.1', r));
  await cleanup(APP);
  images = await fixtureImages(['v1', 'v2']);
}, 600_000);
afterAll(async () => {
  hooks?.close();
  await cleanup(APP);
}, 120_000);

describe('secrets stay out of the release log, logs, summary and deployment statuses (issue 17 item 7)', () => {
  it('a migration printing the secret: deploy succeeds; envHash is an HMAC under the host key, equal for the same env, different for another', async () => {
    expect(yaml(PRINTS)).toContain('migration sees token');
    const config = parseConfig(yaml(PRINTS));
    const l = logger();
    const r = await runDeploy(deployInputs(config, images.v1!, { API_TOKEN: SECRET }), { logger: l });
    // The migration did print (masked): the redaction is what keeps the value out.
    expect(l.text()).toMatch(/migration sees token \*\*\*/);
    expect(l.text()).not.toContain(SECRET);
    expect(r.report.toString()).not.toContain(SECRET);
    expect(logText()).not.toContain(SECRET);

    const key = statSync(KEY);
    expect(key.mode & 0o777).toBe(0o600);
    expect(key.size).toBe(32);
    await runDeploy(deployInputs(config, images.v2!, { API_TOKEN: SECRET }), { logger: logger() });
    await runDeploy(deployInputs(config, images.v1!, { API_TOKEN: `${SECRET}-rotated` }), {
      logger: logger(),
    });
    const [a, b, c] = releaseLog(APP).slice(-3);
    expect(a!.envHash).toMatch(/^hmac-sha256:[a-f0-9]{64}$/);
    expect(b!.envHash).toBe(a!.envHash);
    expect(c!.envHash).not.toBe(a!.envHash);
    expect(logText()).not.toContain(SECRET);
  }, 600_000);

  it('a migration failing with the secret in its error (action bundle): not in the release log, stdout, summary or deployment descriptions', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'ragship-secrets-'));
    cpSync(FIXTURE, repo, { recursive: true });
    writeFileSync(join(repo, 'ragship.yml'), yaml(FAILS));
    const runner = new LocalActionRunner('deploy');
    const r = await runner.main({
      inputs: {
        environment: 'staging',
        image: images.v2!,
        'ssh-private-key': privateKey(),
        'known-hosts': knownHosts(),
        'registry-password': sandbox().registry.password,
        env: `API_TOKEN=${SECRET}`,
        'working-directory': repo,
        'deployment-status': 'true',
        'github-token': 'ghs_for_the_recording_server',
      },
      env: {
        GITHUB_API_URL: `http://127.0.0.1:${HOOKS}/api`,
        GITHUB_REPOSITORY: 'acme/rag',
        GITHUB_SHA: '5eed0000c0ffee0000000000000000000000beef',
      },
    });
    expect(r.exitCode, r.stdout + r.stderr).not.toBe(0);
    const visible = visibleAfterRun(r);
    // The failure is reported (with its redacted error) …
    expect(visible).toMatch(/login failed for token \*\*\*/);
    expect(r.summary).toMatch(/migrat/i);
    // … and the secret is nowhere.
    expect(visible).not.toContain(SECRET);
    const last = releaseLog(APP).at(-1)!;
    expect(last.result).toBe('failed');
    expect(`${last.error ?? ''}${last.output ?? ''}`).toMatch(/login failed for token/);
    expect(logText()).not.toContain(SECRET);
    const statuses = recorded.filter((x) => /\/statuses$/.test(x.url));
    expect(statuses.map((s) => s.body.state)).toContain('failure');
    for (const s of recorded) expect(JSON.stringify(s.body)).not.toContain(SECRET);
  }, 600_000);
});
