// Real parts: src/actions/status.ts run by LocalActionRunner as the GitHub runner runs an action
// (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), through tsx (the bundle is rebuilt by the lead),
// against the fixture app deployed on the sandbox "cpu" sshd host.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import { runDeploy } from '../../../src/deploy/run.js';
import { LocalActionRunner, visibleAfterRun } from '../../support/action-runner.js';
import { knownHosts, privateKey, sandboxHost } from '../../support/sandbox.js';
import { cleanup, deployInputs, fixtureConfig, fixtureImages, fixtureYaml } from '../deploy/fixture.js';

const APP = 'rsstatusact-it';
const PORT = 18795;
const SECRET = 'status-secret-Q7wPz3';
const repo = mkdtempSync(join(tmpdir(), 'ragship-status-action-'));
let releaseId: string;

beforeAll(async () => {
  await cleanup(APP);
  const images = await fixtureImages(['v1']);
  releaseId = (
    await runDeploy(deployInputs(fixtureConfig(APP, PORT), images.v1!, { OP_TOKEN: SECRET }), {
      logger: new MemoryLogger(),
    })
  ).releaseId;
  writeFileSync(join(repo, 'ragship.yml'), fixtureYaml(APP, PORT));
});
afterAll(() => cleanup(APP));

const inputs = (extra: Record<string, string> = {}) => ({
  environment: 'staging',
  'ssh-private-key': privateKey(),
  'known-hosts': knownHosts(),
  'working-directory': repo,
  ...extra,
});

describe('the status action', () => {
  it('writes the status report as the job summary and its outputs; secrets never visible', async () => {
    const runner = new LocalActionRunner('status', { source: 'src/actions/status.ts' });
    const r = await runner.main({ inputs: inputs(), timeoutMs: 120_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const cpu = sandboxHost('cpu');
    expect(r.summary).toContain(`Status`);
    expect(r.summary).toContain(releaseId);
    expect(r.summary).toMatch(new RegExp(`127\\.0\\.0\\.1:${cpu.port}`));
    expect(r.outputs).toMatchObject({
      'exit-code': '0',
      drifted: 'false',
      unhealthy: 'false',
      'active-release': releaseId,
    });
    const doc = JSON.parse(r.outputs.status!);
    expect(doc).toMatchObject({ app: APP, environment: 'staging', exitCode: 0 });
    expect(doc.services.map((s: { service: string }) => s.service)).toContain('app');
    expect(visibleAfterRun(r)).not.toContain(SECRET);
    expect(visibleAfterRun(r)).not.toContain('PRIVATE KEY');
  });

  it('a bad fail-on or ssh-proxy input fails the step naming the input', async () => {
    const bad = await new LocalActionRunner('status', { source: 'src/actions/status.ts' }).main({
      inputs: inputs({ 'fail-on': 'sometimes' }),
      timeoutMs: 60_000,
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /^input 'fail-on': "sometimes"/,
    );
    const proxy = await new LocalActionRunner('status', { source: 'src/actions/status.ts' }).main({
      inputs: inputs({ 'ssh-proxy': 'a@b@c' }),
      timeoutMs: 60_000,
    });
    expect(proxy.exitCode).toBe(1);
    expect(proxy.annotations.find((a) => a.level === 'error')?.message).toMatch(/^input 'ssh-proxy'/);
  });
});
