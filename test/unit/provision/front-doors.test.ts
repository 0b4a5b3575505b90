import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/program.js';
import { LocalActionRunner } from '../../support/action-runner.js';

const key = utils.generateKeyPairSync('ed25519');

describe('provision front doors (action bundle as the runner runs it, CLI verb)', () => {
  it('the action fails before connecting when an input is wrong, naming the input', async () => {
    const r = await new LocalActionRunner('provision').main({
      inputs: {
        hosts: 'root@127.0.0.1:18499',
        'ssh-private-key': key.private,
        'known-hosts': '[127.0.0.1]:18499 ssh-ed25519 AAAA',
        'deploy-user': 'root',
      },
    });
    expect(r.exitCode).toBe(1);
    expect(r.annotations).toContainEqual({
      level: 'error',
      message: 'deploy-user: must not be root — use a dedicated user such as deploy',
    });
    // ::add-mask:: lines are how the runner learns what to mask; nothing else may carry the key.
    const printed = r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(printed.join('\n')).not.toContain(key.private.split('\n')[1]!);
    expect(r.stdout).toContain('::add-mask::');
  });

  it('the CLI exits 2 on a configuration error and never takes keys in argv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-provision-cli-'));
    writeFileSync(join(dir, 'key'), key.private);
    const code = await main([
      'provision',
      '--host',
      'root@127.0.0.1:18499',
      '--ssh-key-file',
      join(dir, 'key'),
      '--deploy-key-file',
      join(dir, 'key'),
      '--docker-source',
      'snap',
    ]);
    expect(code).toBe(2);
  });
});
