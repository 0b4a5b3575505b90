import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const TSX = join(ROOT, 'node_modules/.bin/tsx');
// A repo with a ragship.yml whose host nobody listens on: every case below must fail before
// any connection is attempted (a connection attempt would exit 1, not 2).
const REPO = mkdtempSync(join(tmpdir(), 'ragship-operate-cli-'));
writeFileSync(
  join(REPO, 'ragship.yml'),
  `app: opcli
environments:
  staging:
    roles:
      web:
        hosts: [deploy@127.0.0.1:18599]
        compose: [compose.yaml]
        service: app
        strategy: recreate
        health: { http: /health, port: 3000 }
      worker:
        hosts: [deploy@127.0.0.2:18599]
        compose: [compose.yaml]
        service: worker
        strategy: recreate
        health: { http: /health, port: 3000 }
`,
);

type Run = { code: number | null; stdout: string; stderr: string };
function ragship(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: REPO, env: { ...process.env, RAGSHIP_SSH_PRIVATE_KEY: 'not-a-key-never-used' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const cases: Record<string, string[]> = {
  since: ['logs', '--env', 'staging', '--since', 'yesterday'],
  tail: ['logs', '--env', 'staging', '--tail', '-5'],
  grep: ['logs', '--env', 'staging', '--grep', '[a-'],
  logsHost: ['logs', '--env', 'staging', '--host', '10.9.9.9'],
  statusRole: ['status', '--env', 'staging', '--role', 'api'],
  execNoCommand: ['exec', '--env', 'staging', '--role', 'web'],
  execTwoRoles: ['exec', '--env', 'staging', '--', 'true'],
  execService: ['exec', '--env', 'staging', '--role', 'web', '--service', 'app;id', '--', 'true'],
  execHost: ['exec', '--env', 'staging', '--role', 'web', '--host', '127.0.0.2:18599', '--', 'true'],
};
const results: Record<string, Run> = {};

beforeAll(async () => {
  const names = Object.keys(cases);
  const worker = async () => {
    for (let name = names.shift(); name; name = names.shift()) results[name] = await ragship(cases[name]!);
  };
  await Promise.all([worker(), worker()]);
}, 240_000);

describe('ragship status/logs/exec: bad flags exit 2 naming the flag, before any connection', () => {
  it.each([
    ['since', '--since: "yesterday" is neither a duration nor a date'],
    ['tail', '--tail: "-5" is not a number of lines'],
    ['grep', '--grep: "[a-" is not a valid regular expression'],
    ['logsHost', '--host: "10.9.9.9" is not a host of environment staging'],
    ['statusRole', '--role: "api" is not a role of environment staging — use one of: web, worker'],
    ['execNoCommand', "missing required argument 'command'"],
    ['execTwoRoles', '--role: environment staging has 2 roles'],
    ['execService', '--service: "app;id" is not a compose service name'],
    ['execHost', '--host: "127.0.0.2:18599" is not a host of role web'],
  ])('%s', (name, message) => {
    const r = results[name]!;
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/cannot connect|ragship bug/);
  });
});
