/**
 * docs/getting-started.md, followed from its own text by a newcomer's steps: the CLI packed and
 * installed into an empty prefix (production dependencies only), the example app copied, the
 * doc's `ragship init` and `ragship config check` lines, the doc's `ssh-keygen` and
 * `ragship provision` lines (dry run, then without --dry-run) against a fresh Debian 12 host,
 * then `ragship deploy` of the built image and a question to the deployed app.
 *
 * Real parts: the installed CLI; a fresh host (the provisioning tests' systemd container with
 * its own dockerd, test/fixtures/provision-host/start.sh) reached over SSH on 127.0.0.1:18436;
 * the sandbox registry, reached from the host through the deploy's reverse SSH tunnel (the one
 * change to the documented provision line: `--registry-tunnel-port`, because that registry is on
 * this machine's loopback only, as a registry started inside a CI job would be).
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { buildAndPush, pushLocalImage } from '../../e2e/deploy/example-app.js';
import { sandbox } from '../../support/sandbox.js';

const run = promisify(execFile);
const ROOT = new URL('../../..', import.meta.url).pathname;
const NAME = 'ragship-provision-getting-started';
const PORT = 18436;
const HTTP_PORT = 18490;
const APP = 'rsgetstarted';
const DOC = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');
const REGISTRY_PORT = Number(sandbox().registry.host.split(':')[1]);

let work: string;
let prefix: string;
let repo: string;
let env: NodeJS.ProcessEnv;
let knownHostsFile: string;
let fingerprint: string;
let lastConnectionAt = 0;

async function sh(cmd: string, args: string[], cwd: string, e: NodeJS.ProcessEnv = env) {
  try {
    return await run(cmd, args, { cwd, env: e, maxBuffer: 64 * 1024 * 1024, timeout: 1_200_000 });
  } catch (err) {
    const x = err as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

function onHost(script: string): string {
  return execFileSync('docker', ['exec', NAME, 'sh', '-c', script], { encoding: 'utf8' });
}

/** The host's sshd limits new connections (ufw `limit`: 6 per 30 s): space the phases out. */
async function rateLimitWindow(): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, lastConnectionAt + 31_000 - Date.now())));
  lastConnectionAt = Date.now();
}

/** The lines of the doc's ```sh blocks, continuation lines joined, comments dropped. */
function docShellLines(): string[] {
  const lines: string[] = [];
  for (const m of DOC.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const l of m[1]!.replace(/\\\n\s*/g, ' ').split('\n')) {
      const t = l.trim();
      if (t && !t.startsWith('#')) lines.push(t);
    }
  return lines;
}

/** Words of a documentation command line: quotes removed, a trailing `# comment` dropped. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(#.*$)|(\S+)/g)) {
    if (m[3] !== undefined) break;
    out.push(m[1] ?? m[2] ?? m[4]!);
  }
  return out;
}

/** The one documented line that starts with `prefix` (inline `code` spans count too). */
function documented(prefixWords: string): string[] {
  const candidates = [...docShellLines(), ...[...DOC.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!)];
  const line = candidates.find((l) => l.startsWith(prefixWords));
  if (!line) throw new Error(`docs/getting-started.md has no line starting with ${prefixWords}`);
  return words(line);
}

/** Runs the installed ragship; a failure shows its output. */
const ragship = (args: string[], cwd = repo) => sh('ragship', args, cwd);

describe('getting-started, from the doc: install, init, config check, provision a fresh host, deploy, ask', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ragship-getting-started-'));
    prefix = join(work, 'prefix');
    repo = join(work, 'my-rag-app');
    const clone = join(work, 'clone');
    for (const d of [clone, prefix, repo, join(work, 'pack')]) mkdirSync(d);
    // The CLI as a user installs it: `npm pack` of a clean tree, then install with --omit=dev.
    const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const { stdout } = await sh(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      ROOT,
      process.env,
    );
    for (const f of stdout.split('\0').filter(Boolean))
      if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(clone, f), { recursive: false });
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    await sh('npm', ['pack', '--pack-destination', join(work, 'pack')], clone, cleanEnv);
    const [tgz] = readdirSync(join(work, 'pack')).filter((f) => f.endsWith('.tgz'));
    await sh(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--omit=dev',
        '--no-audit',
        '--no-fund',
        join(work, 'pack', tgz!),
      ],
      work,
      cleanEnv,
    );
    rmSync(clone, { recursive: true, force: true });
    env = {
      ...cleanEnv,
      PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
    };
    delete env.NODE_OPTIONS;
    delete env.RAGSHIP_SSH_PRIVATE_KEY;

    // A fresh host, and its key fingerprint "from its console" (docker exec, not a first connection).
    const pub = join(work, 'root.pub');
    writeFileSync(
      pub,
      execFileSync('ssh-keygen', ['-y', '-f', sandbox().ssh.privateKeyPath], { encoding: 'utf8' }),
    );
    execFileSync('bash', [join(ROOT, 'test/fixtures/provision-host/start.sh'), NAME, String(PORT), pub], {
      stdio: 'inherit',
    });
    fingerprint = onHost('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub').split(' ')[1]!;
    const hostKey = onHost('cat /etc/ssh/ssh_host_ed25519_key.pub').trim().split(' ').slice(0, 2).join(' ');
    knownHostsFile = join(work, 'known_hosts');
    writeFileSync(knownHostsFile, `[127.0.0.1]:${PORT} ${hostKey}\n`);
  }, 1_200_000);

  afterAll(() => {
    if (process.env.RAGSHIP_KEEP_PROVISION_HOST !== '1')
      try {
        execFileSync('docker', ['rm', '-f', '-v', NAME], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('step 1–2: the copied example app gets a ragship.yml from the documented init line, and the documented check passes', async () => {
    for (const f of ['compose.yaml', 'compose.gpu.yaml', 'Dockerfile', 'nginx', 'package.json'])
      cpSync(join(ROOT, 'example-app', f), join(repo, f), { recursive: true });
    mkdirSync(join(repo, 'eval'));
    for (const f of ['example-app.suite.yaml', 'example-app.cases.jsonl'])
      cpSync(join(ROOT, 'eval', f), join(repo, 'eval', f));
    const init = documented('ragship init');
    // The doc's host is a placeholder: this host, as the deploy user.
    const args = init.slice(1).map((w) => (w === 'deploy@203.0.113.10:22' ? `deploy@127.0.0.1:${PORT}` : w));
    expect(args).toContain(`deploy@127.0.0.1:${PORT}`);
    const r = await ragship(args);
    expect(r.stdout).toMatch(/switched service app on port 8080, proxy nginx/);
    expect(r.stdout).toContain('wrote ragship.yml');
    for (const w of ['pr.yml', 'release-deploy.yml', 'rollback.yml'])
      expect(existsSync(join(repo, '.github/workflows', w))).toBe(true);

    // What this sandbox needs besides the doc: its registry (through the tunnel), loopback ports,
    // local images for chroma and nginx, the app's readiness path (init left it as a TODO).
    const cfg = parseYaml(readFileSync(join(repo, 'ragship.yml'), 'utf8'));
    cfg.app = APP;
    cfg.registry = { server: sandbox().registry.host, username: sandbox().registry.username, tunnel: true };
    cfg.environments = { staging: cfg.environments.staging };
    const staging = cfg.environments.staging;
    staging.root = `/srv/ragship/${APP}`;
    const web = staging.roles.web;
    web.health = { ...web.health, http: '/ready' };
    // The migration of the doc's ragship.yml for the example app (it also ingests the corpus).
    const docYaml = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .find((y) => /^app: /m.test(y));
    const docMigrate = parseYaml(docYaml!).environments.staging.roles.web.migrate;
    expect(docMigrate.command.join(' ')).toMatch(/ingest corpus/);
    web.migrate = docMigrate;
    web.stopGrace = '10s';
    web.vars = { HTTP_BIND: '127.0.0.1', HTTP_PORT: String(HTTP_PORT), HTTPS_PORT: String(HTTP_PORT + 1) };
    writeFileSync(join(repo, 'ragship.yml'), stringify(cfg));

    const check = documented('ragship config check');
    const ok = await ragship(check.slice(1));
    expect(ok.stdout).toMatch(/ragship\.yml ok/);
    expect(ok.stdout).toMatch(/staging\/web: compose\.yaml/);
  }, 300_000);

  it('step 3: the documented deploy key and provision lines provision the fresh host (dry run first, as the doc says)', async () => {
    const keygen = documented('ssh-keygen -t ed25519');
    await sh(keygen[0]!, keygen.slice(1), work);
    expect(existsSync(join(work, 'deploy_key'))).toBe(true);
    const line = documented('ragship provision');
    const args = line
      .slice(1)
      .map((w) =>
        w === 'root@203.0.113.10'
          ? `root@127.0.0.1:${PORT}`
          : w === '~/.ssh/id_ed25519'
            ? sandbox().ssh.privateKeyPath
            : w.startsWith('SHA256:')
              ? fingerprint
              : w,
      );
    expect(args).toContain('--dry-run');
    expect(args).toContain('--deploy-private-key-file');
    expect(args).toContain('--admin-user');
    const tunnel = ['--registry-tunnel-port', String(REGISTRY_PORT)];
    await rateLimitWindow();
    const dry = await ragship([...args, ...tunnel], work);
    expect(dry.stdout).toMatch(/Provision plan \(dry run\)/);
    expect(dry.stdout).toMatch(/Checked only when applied/);
    expect(onHost('id deploy 2>&1 || true')).toMatch(/no such user/);
    await rateLimitWindow();
    const applied = await ragship([...args.filter((a) => a !== '--dry-run'), ...tunnel], work);
    expect(applied.stdout).toMatch(/## Provision/);
    lastConnectionAt = Date.now();
    expect(onHost('id -nG deploy').trim().split(' ')).toContain('docker');
    expect(onHost('id -un ops').trim()).toBe('ops');
    expect(onHost('sshd -T | grep -i "^permitrootlogin"').trim()).toMatch(
      /permitrootlogin (no|without-password|prohibit-password)/,
    );
  }, 1_800_000);

  it('step 8: deploy the built image with the deploy key, then the app answers a question', async () => {
    const sb = sandbox();
    const { v1 } = await buildAndPush(`${APP}/example-app`, ['v1']);
    const chroma = await pushLocalImage('ragship-sandbox/chroma:1.0.5', `${APP}/chroma:1.0.5`);
    const nginx = await pushLocalImage('ragship-sandbox/nginx:latest', `${APP}/nginx:latest`);
    const cfg = parseYaml(readFileSync(join(repo, 'ragship.yml'), 'utf8'));
    cfg.environments.staging.roles.web.vars = {
      ...cfg.environments.staging.roles.web.vars,
      CHROMA_IMAGE: chroma,
      NGINX_IMAGE: nginx,
    };
    writeFileSync(join(repo, 'ragship.yml'), stringify(cfg));
    writeFileSync(join(work, 'registry-password'), sb.registry.password, { mode: 0o600 });
    await rateLimitWindow();
    const deploy = await ragship([
      'deploy',
      '--environment',
      'staging',
      '--image',
      v1!,
      '--ssh-private-key-file',
      join(work, 'deploy_key'),
      '--known-hosts-file',
      knownHostsFile,
      '--registry-password-file',
      join(work, 'registry-password'),
    ]);
    expect(deploy.stdout).toMatch(/Deploy rsgetstarted to staging/);
    // The release records who made it from the CLI.
    const log = onHost(`cat /srv/ragship/${APP}/releases.jsonl`);
    expect(log).toMatch(/"actor":"[^"]+"/);
    expect(log).not.toMatch(/"actor":"unknown"/);

    expect(onHost(`curl -fsS http://127.0.0.1:${HTTP_PORT}/ready`)).toMatch(/"chroma":"ok"/);
    const answer = JSON.parse(
      onHost(
        `curl -fsS -H 'content-type: application/json' -d '{"question":"How many vacation days do new employees get?"}' http://127.0.0.1:${HTTP_PORT}/query`,
      ),
    ) as { answer: string; sources: unknown[] };
    expect(answer.answer.length).toBeGreaterThan(0);
    expect(answer.sources.length).toBeGreaterThan(0);
  }, 1_800_000);
});
