import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
import { commandLine } from '../../../src/core/shell.js';
import * as cmd from '../../../src/deploy/commands.js';
import { encodeValue, envOverlay, parseDotenv } from '../../../src/deploy/env-file.js';
import { checkVram, hasNvidiaRuntime, parseNvidiaSmi } from '../../../src/deploy/gpu.js';
import { type ReleaseRecord, resolveTarget, retainedImages } from '../../../src/deploy/release-log.js';
import { upstreamBlock } from '../../../src/deploy/switch.js';
import { validateTo } from '../../../src/rollback/run.js';

const v1 = {
  compose: ['docker-compose'],
  project: 'app-prod-web',
  projectDir: '/h/r/shared/web',
  files: ['/h/r/releases/R/web/compose-0-compose.yaml', '/h/r/releases/R/web/env.yaml'],
  envFile: '/h/r/releases/R/web/compose.env',
};
const v2 = { ...v1, compose: ['docker', 'compose'] };
const head = [
  '--project-name',
  'app-prod-web',
  '--project-directory',
  '/h/r/shared/web',
  '--env-file',
  '/h/r/releases/R/web/compose.env',
  '--file',
  '/h/r/releases/R/web/compose-0-compose.yaml',
  '--file',
  '/h/r/releases/R/web/env.yaml',
];

describe('compose commands are exact argv for v1 and v2', () => {
  it.each([
    [
      'v1 scale-beside',
      cmd.scaleBeside(v1, 'app', 2),
      ['docker-compose', ...head, 'up', '--detach', '--no-deps', '--no-recreate', '--scale', 'app=2', 'app'],
    ],
    [
      'v2 scale-beside',
      cmd.scaleBeside(v2, 'app', 2),
      [
        'docker',
        'compose',
        ...head,
        'up',
        '--detach',
        '--no-deps',
        '--no-recreate',
        '--scale',
        'app=2',
        'app',
      ],
    ],
    [
      'v2 migrate with the new image',
      cmd.migrate(v2, 'migrate', ['node', 'migrate.js']),
      ['docker', 'compose', ...head, 'run', '--rm', '-T', 'migrate', 'node', 'migrate.js'],
    ],
    [
      'v1 pull',
      cmd.pull(v1, ['app', 'migrate']),
      ['docker-compose', ...head, 'pull', '--quiet', 'app', 'migrate'],
    ],
    [
      'v2 recreate (GPU)',
      cmd.recreate(v2, 'vllm'),
      ['docker', 'compose', ...head, 'up', '--detach', '--no-deps', '--force-recreate', 'vllm'],
    ],
  ])('%s', (_name, argv, expected) => expect(argv).toEqual(expected));

  it('registry login takes the password on stdin, never argv', () => {
    expect(cmd.registryLogin('ghcr.io', 'bot')).toEqual([
      'docker',
      'login',
      '--username',
      'bot',
      '--password-stdin',
      'ghcr.io',
    ]);
  });
  it('release-log append passes the path as an argument, not inside the script', () => {
    expect(commandLine(cmd.appendStdin("/h/it's"))).toBe(`sh -c 'cat >> "$1"' sh '/h/it'\\''s'`);
  });
  it('the completion probe is a one-token request', () => {
    expect(
      cmd.httpPostJson('http://10.0.0.2:8000/v1/completions', { model: 'm', prompt: 'ping', max_tokens: 1 }),
    ).toContain('{"model":"m","prompt":"ping","max_tokens":1}');
  });
  it('the upstream block names only the given (healthy) containers', () => {
    expect(
      upstreamBlock(
        'app',
        [{ id: 'x', name: 'p_app_2', ips: [], health: 'none', status: 'running', image: '' }],
        3000,
      ),
    ).toContain('upstream app {\n  server p_app_2:3000 max_fails=0;\n}');
  });
});

describe('env values cannot add keys', () => {
  const tricky = { A: 'line1\nB=2', D: '$X ${HOME}', Q: `'"\\`, H: 'a #b', E: '' };
  it('the overlay is YAML whose parsed values (after compose $$ unescaping) are the input', () => {
    const doc = parseYaml(envOverlay(['app', 'migrate'], tricky)) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    expect(Object.keys(doc.services.app!.environment)).toEqual(['A', 'D', 'E', 'H', 'Q']);
    for (const [k, v] of Object.entries(tricky))
      expect(doc.services.migrate!.environment[k]!.replace(/\$\$/g, '$')).toBe(v);
    expect(encodeValue('$$')).toBe('$$$$');
  });
  it('rejects a key that is not a variable name', () =>
    expect(() => envOverlay(['app'], { 'A B': 'x' })).toThrow(/environment variable name/));
  it('parses a dotenv block with quotes, escapes, comments and multi-line values', () => {
    expect(parseDotenv('# c\nexport A=1 # note\nB="x\\ny"\nC=\'$lit\'\nD="multi\nline"\n')).toEqual({
      A: '1',
      B: 'x\ny',
      C: '$lit',
      D: 'multi\nline',
    });
    expect(() => parseDotenv('A;rm=1')).toThrow(/environment variable name/);
  });
});

describe('GPU preflight on recorded nvidia-smi outputs', () => {
  const f = (n: string) =>
    readFileSync(new URL(`../../fixtures/deploy-app/nvidia-smi/${n}`, import.meta.url), 'utf8');
  it('a healthy A10G passes with its free memory', () => {
    const v = parseNvidiaSmi(0, f('ok-a10g.txt'), '');
    expect(v.ok && checkVram(v.gpus, { minFreeVramMiB: 20000 }).ok).toBe(true);
  });
  it('too little free VRAM names the GPU, free and needed MiB', () => {
    const v = parseNvidiaSmi(0, f('low-vram.txt'), '');
    expect(v.ok && checkVram(v.gpus, { minFreeVramMiB: 20000 }).message).toMatch(
      /RTX 4090\) has 2236 MiB free of 24564 MiB; the role needs 20000/,
    );
  });
  it.each([
    ['driver-mismatch.txt', 18, /versions differ \(library 535.183\)/],
    ['no-driver.txt', 9, /cannot talk to the NVIDIA driver/],
    ['no-devices.txt', 6, /no GPU was found/],
  ])('%s is a clear failure', (file, code, problem) => {
    const v = parseNvidiaSmi(code, '', f(file));
    expect(v.ok).toBe(false);
    expect(!v.ok && v.problem).toMatch(problem);
  });
  it('no nvidia-smi at all means no driver', () =>
    expect(parseNvidiaSmi(127, '', 'sh: 1: nvidia-smi: not found').ok).toBe(false));
  it('detects the NVIDIA container runtime', () => {
    expect(
      hasNvidiaRuntime(
        '{"io.containerd.runc.v2":{"path":"runc"},"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}',
      ),
    ).toBe(true);
    expect(hasNvidiaRuntime('{"runc":{"path":"runc"}}')).toBe(false);
  });
});

const rec = (id: string, image: string, result: 'success' | 'failed' = 'success'): ReleaseRecord => ({
  id,
  kind: 'deploy',
  app: 'a',
  environment: 'e',
  image,
  images: { web: image },
  composeHash: 'c',
  envHash: 'e',
  actor: 'x',
  result,
  startedAt: '',
  finishedAt: '',
  timings: {},
});

describe('release log', () => {
  const log = [
    rec('20260101T000000Z-a', 'r@sha256:1'),
    rec('20260102T000000Z-b', 'r@sha256:2'),
    rec('20260103T000000Z-c', 'r@sha256:3', 'failed'),
  ];
  it('previous skips failed releases and the active one', () =>
    expect(resolveTarget(log, 'previous').id).toBe('20260101T000000Z-a'));
  it('after a rollback to A, previous goes back to B', () => {
    const after = [
      ...log,
      { ...rec('20260104T000000Z-r', 'r@sha256:1'), kind: 'rollback' as const, source: '20260101T000000Z-a' },
    ];
    expect(resolveTarget(after, 'previous').id).toBe('20260102T000000Z-b');
  });
  it('a failed release cannot be a target; the error lists valid ids', () => {
    expect(() => resolveTarget(log, '20260103T000000Z-c')).toThrow(
      /failed .* use one of: 20260102T000000Z-b/,
    );
  });
  it('retains the images of the last N successful releases only', () =>
    expect([...retainedImages(log, 1)]).toEqual(['r@sha256:2']));
  it('rejects injection strings in `to` before anything else', () => {
    for (const bad of ['$(id)', 'v1;reboot', '../x', 'a b', 'v1\n'])
      expect(() => validateTo(bad)).toThrow(/is not previous/);
  });
});

describe('ragship.yml errors name the key and the fix', () => {
  const base = (role: string) => `app: demo\nenvironments:\n  prod:\n    roles:\n      web:\n${role}`;
  it('an unknown strategy', () => {
    expect(() =>
      parseConfig(
        base(
          '        hosts: [deploy@h]\n        compose: [c.yaml]\n        service: app\n        strategy: blue\n        health: { http: /health }\n',
        ),
      ),
    ).toThrow(/environments.prod.roles.web.strategy: .* use one of "zero-downtime", "recreate"/);
  });
  it('an injection in a host spec', () => {
    expect(() =>
      parseConfig(
        base(
          '        hosts: ["deploy@h;rm -rf /"]\n        compose: [c.yaml]\n        service: app\n        strategy: recreate\n        health: { http: /health }\n',
        ),
      ),
    ).toThrow(/hosts\[0\] \(host\)/);
  });
  it('zero-downtime without a proxy', () => {
    expect(() =>
      parseConfig(
        base(
          '        hosts: [deploy@h]\n        compose: [c.yaml]\n        service: app\n        health: { http: /health }\n',
        ),
      ),
    ).toThrow(/roles.web.proxy: is required for strategy zero-downtime/);
  });
});
