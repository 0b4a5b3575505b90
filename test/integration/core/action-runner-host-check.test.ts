// Real parts: actions/host-check/dist/index.js run by LocalActionRunner exactly as the GitHub
// runner does (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_STATE → STATE_*), against both
// sandbox sshd hosts and this machine's Docker Engine.
import { describe, expect, it } from 'vitest';
import { LocalActionRunner, printedByRunner } from '../../support/action-runner.js';
import { knownHosts, privateKey, sandboxHost } from '../../support/sandbox.js';

const cpu = sandboxHost('cpu');
const gpu = sandboxHost('gpu');
const key = privateKey();
const keyLines = key
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.length >= 8 && !l.startsWith('-----'));

/** Every line of the private key is absent from `text`, except inside ::add-mask:: commands. */
function expectNoKey(text: string): void {
  const visible = printedByRunner(text);
  for (const l of keyLines) expect(visible).not.toContain(l);
  expect(visible).not.toContain(Buffer.from(key).toString('base64').slice(0, 40));
}

describe('LocalActionRunner × host-check bundle', () => {
  it('main: inputs in → outputs, summary table and state out; post step runs with STATE_*; key never printed', async () => {
    const runner = new LocalActionRunner('host-check');
    const main = await runner.main({
      inputs: {
        hosts: `${cpu.user}@${cpu.host}:${cpu.port}\n${gpu.user}@${gpu.host}:${gpu.port}`,
        'ssh-private-key': key,
        'known-hosts': knownHosts(),
        'connect-timeout-seconds': '10',
      },
      env: { RUNNER_DEBUG: '1' },
      timeoutMs: 120_000,
    });
    expect(main.exitCode, main.stdout + main.stderr).toBe(0);
    expect(main.annotations.filter((a) => a.level === 'error')).toEqual([]);

    const compose = JSON.parse(main.outputs['compose-commands']!);
    expect(compose).toHaveLength(2);
    for (const c of compose) expect(['docker compose', 'docker-compose']).toContain(c);
    const facts = JSON.parse(main.outputs.hosts!);
    expect(facts.map((f: { host: string }) => f.host)).toEqual([
      `${cpu.user}@127.0.0.1:${cpu.port}`,
      `${gpu.user}@127.0.0.1:${gpu.port}`,
    ]);
    expect(facts[0].dockerVersion).toMatch(/^\d+\.\d+/);

    expect(main.summary).toContain('## Host check');
    expect(main.summary).toContain('| host | docker | compose | free disk |');
    expect(main.summary).toContain(`| ${cpu.user}@127.0.0.1:${cpu.port} |`);
    expect(main.state).toMatchObject({ checked: '2', 'ragship-is-post': 'true' });
    expect(main.stdout).toContain('::add-mask::'); // the key was masked as soon as it was read
    expect(main.stdout).toContain('::group::check');
    expectNoKey(
      main.stdout + main.stderr + main.summary + JSON.stringify(main.outputs) + JSON.stringify(main.state),
    );

    const post = await runner.post({ timeoutMs: 60_000 });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect(post.stdout).toContain('host-check: 2 host(s) were checked');
    expectNoKey(post.stdout + post.stderr);
  });

  it('a hostile host input fails with ::error:: naming the input and exit 1, before any connection', async () => {
    const runner = new LocalActionRunner('host-check');
    const r = await runner.main({
      inputs: { hosts: 'x; rm -rf /', 'ssh-private-key': key, 'known-hosts': knownHosts() },
      timeoutMs: 60_000,
    });
    expect(r.exitCode).toBe(1);
    const errors = r.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('hosts[0]');
    expect(errors[0]!.message).toContain('x; rm -rf /');
    expect(r.stdout).not.toContain('::group::');
    expectNoKey(r.stdout + r.stderr);
  });

  it('a missing required secret fails with ::error:: saying how to pass it', async () => {
    const runner = new LocalActionRunner('host-check');
    const r = await runner.main({
      inputs: { hosts: `${cpu.user}@${cpu.host}:${cpu.port}` },
      timeoutMs: 60_000,
    });
    expect(r.exitCode).toBe(1);
    expect(r.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /input 'ssh-private-key': is required/,
    );
  });
});
