import { describe, expect, it } from 'vitest';
import { SecretRegistry } from '../../../src/core/redact.js';
import { envOverlay } from '../../../src/deploy/env-file.js';
import { envValues } from '../../../src/operate/environment.js';
import { LineRedactor } from '../../../src/operate/lines.js';
import {
  type ContainerState,
  formatUptime,
  judgeService,
  parseDf,
  parseInspect,
  parseRepoDigests,
  STATUS_EXIT,
  statusExitCode,
} from '../../../src/operate/status-model.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const V1 = `localhost:5000/acme/app@${D1}`;

function container(over: Partial<ContainerState> = {}): ContainerState {
  return {
    id: 'abcdef012345',
    name: 'app-staging-web_app_1',
    service: 'app',
    configImage: V1,
    imageId: 'sha256:img1',
    repoDigests: [V1],
    state: 'running',
    health: 'none',
    startedAt: '2026-12-03T10:00:00Z',
    restarts: 0,
    release: '20261203T100000Z-abc1234',
    ...over,
  };
}
const svc = (containers: ContainerState[], expectedImage: string | undefined = V1) => ({
  host: 'deploy@h:22',
  role: 'web',
  service: 'app',
  expectedImage,
  containers,
});
const folder = '20261203T100000Z-abc1234';

describe('status: parsing what the host printed', () => {
  it('reads docker inspect lines (tab separated) with uptime against the host clock', () => {
    const line = [
      'a'.repeat(64),
      '/p_app_1',
      'app',
      V1,
      'sha256:img1',
      'running',
      'healthy',
      '2026-12-03T10:00:00.123456789Z',
      '2',
      folder,
    ].join('\t');
    const exited = [
      'b'.repeat(64),
      '/p_nginx_1',
      'nginx',
      'ng:1',
      'sha256:ng',
      'exited',
      'none',
      '2026-12-03T09:00:00Z',
      '0',
      '',
    ].join('\t');
    const now = Date.parse('2026-12-03T10:05:00Z') / 1000;
    const [a, b] = parseInspect(`${line}\n${exited}\n`, now);
    expect(a).toMatchObject({
      id: 'aaaaaaaaaaaa',
      name: 'p_app_1',
      health: 'healthy',
      restarts: 2,
      uptimeSeconds: 300,
      release: folder,
    });
    expect(b).toMatchObject({ state: 'exited', uptimeSeconds: undefined, release: undefined });
  });

  it('reads repo digests and df', () => {
    expect(parseRepoDigests(`sha256:i1\t${V1} other@${D2} \nsha256:i2\t\n`)).toEqual(
      new Map([
        ['sha256:i1', [V1, `other@${D2}`]],
        ['sha256:i2', []],
      ]),
    );
    expect(
      parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 40 2048 40% /\n'),
    ).toBe(2048 * 1024);
    expect(parseDf('')).toBeUndefined();
  });
});

describe('status: verdicts', () => {
  it('running the released digest with the release env is in sync and healthy', () => {
    const r = judgeService(svc([container()]), { expected: true, releaseFolder: folder });
    expect(r.drift).toBeUndefined();
    expect(r.problem).toBeUndefined();
    expect(statusExitCode([r], true)).toBe(STATUS_EXIT.ok);
  });

  it('another digest is drift (exit 3), named with both digests', () => {
    const other = container({
      repoDigests: [`localhost:5000/acme/app@${D2}`],
      configImage: `localhost:5000/acme/app@${D2}`,
    });
    const r = judgeService(svc([other]), { expected: true, releaseFolder: folder });
    expect(r.drift).toContain(D2);
    expect(r.drift).toContain(D1);
    expect(statusExitCode([r], true)).toBe(STATUS_EXIT.drift);
  });

  it('the same digest with an older release env is drift too', () => {
    const r = judgeService(svc([container({ release: '20261201T000000Z-old1234' })]), {
      expected: true,
      releaseFolder: folder,
    });
    expect(r.drift).toMatch(/env of release 20261201T000000Z-old1234/);
  });

  it('a tag reference compares the reference; an interpolated one is not judged', () => {
    const nginx = container({
      service: 'nginx',
      configImage: 'acme/nginx:1',
      repoDigests: [],
      release: undefined,
    });
    expect(judgeService(svc([nginx], 'acme/nginx:1'), { expected: true }).drift).toBeUndefined();
    expect(judgeService(svc([nginx], 'acme/nginx:2'), { expected: true }).drift).toMatch(/not acme\/nginx:2/);
    expect(judgeService(svc([nginx], '${NGINX_IMAGE}'), { expected: true }).drift).toBeUndefined();
  });

  it('missing, exited and unhealthy containers are unhealthy (exit 4, over drift)', () => {
    const missing = judgeService(svc([]), { expected: true });
    expect(missing.problem).toBe('no container');
    const exited = judgeService(svc([container({ state: 'exited' })]), { expected: true });
    expect(exited.problem).toMatch(/exited/);
    const sick = judgeService(svc([container({ health: 'unhealthy' })]), { expected: true });
    expect(sick.problem).toMatch(/unhealthy/);
    const drift = judgeService(svc([container({ repoDigests: [], configImage: 'x' })]), { expected: true });
    expect(statusExitCode([drift, sick], true)).toBe(STATUS_EXIT.unhealthy);
  });

  it('a service the release does not have is drift; nothing deployed is drift', () => {
    expect(judgeService(svc([container()]), { expected: false }).drift).toMatch(
      /no such long-running service/,
    );
    expect(statusExitCode([], false)).toBe(STATUS_EXIT.drift);
  });

  it('uptime reads like a person would say it', () => {
    expect(formatUptime(undefined)).toBe('—');
    expect(formatUptime(42)).toBe('42 s');
    expect(formatUptime(600)).toBe('10 min');
    expect(formatUptime(7200)).toBe('2.0 h');
    expect(formatUptime(3 * 86_400)).toBe('3.0 d');
  });
});

describe('masking', () => {
  it('reads the values of the deploy env overlay ($ decoded), not the release id', () => {
    const yaml = envOverlay(['app', 'worker'], { TOKEN: 'tok-$ecret', RAGSHIP_RELEASE: 'r1', MULTI: 'a\nb' });
    expect(envValues(yaml).sort()).toEqual(['a\nb', 'tok-$ecret']);
  });

  it('masks a secret split across chunks, line by line', () => {
    const reg = new SecretRegistry();
    reg.add('s3cr3t-value');
    const lines: string[] = [];
    const r = new LineRedactor(reg, (l) => lines.push(l));
    r.push('token=s3cr');
    r.push('3t-value ok\r\nnext ');
    r.push('line');
    r.flush();
    expect(lines).toEqual(['token=*** ok', 'next line']);
  });
});
