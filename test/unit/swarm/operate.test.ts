import { describe, expect, it } from 'vitest';
import { SecretRegistry } from '../../../src/core/redact.js';
import { jobCreate, serviceLogsOf } from '../../../src/swarm/commands.js';
import { exitCodeOf, parseLogLine, parseTasks, taskService } from '../../../src/swarm/jobs.js';
import { logTail } from '../../../src/swarm/nodes.js';
import {
  HashedSecrets,
  judgeSwarmService,
  parseServiceInspect,
  redactHashes,
} from '../../../src/swarm/operate-model.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const IMG1 = `localhost:5000/app@${D1}`;
const IMG2 = `localhost:5000/app@${D2}`;

describe('secrets masked by keyed hash (Swarm secrets cannot be read back)', () => {
  const secret = 's3cr3t-$HOME "q" x';
  const h = redactHashes([secret, 'line-one-of-key\nline-two-of-key']);

  it('keeps no value, only hashes', () => {
    expect(JSON.stringify(h)).not.toContain('s3cr3t');
    expect(JSON.stringify(h)).not.toContain('line-one');
  });

  it('masks the value, its base64 and URL-encoded forms and each line of a multi-line value', () => {
    const r = new HashedSecrets(h);
    expect(r.redact(`GET /?q=${secret} HTTP/1.1`)).toBe('GET /?q=*** HTTP/1.1');
    expect(r.redact(`b64 ${Buffer.from(secret).toString('base64')}.`)).toBe('b64 ***.');
    expect(r.redact(`GET /?q=${encodeURIComponent(secret)}`)).toBe('GET /?q=***');
    expect(r.redact('key: line-two-of-key end')).toBe('key: *** end');
    expect(r.redact('nothing secret here')).toBe('nothing secret here');
  });

  it('values known in clear (the process registry) are masked too', () => {
    const base = new SecretRegistry();
    base.add('registry-password-1');
    expect(new HashedSecrets(h, base).redact(`pw registry-password-1 and ${secret}`)).toBe('pw *** and ***');
  });

  it('a different key matches nothing', () => {
    const other = new HashedSecrets({ ...h, key: 'f'.repeat(64) });
    expect(other.redact(secret)).toBe(secret);
  });
});

describe('docker service logs / ps parsing', () => {
  it('parses the task@node prefix, with the timestamp before it or in the message', () => {
    expect(parseLogLine('shop-prod_app.2@worker1    | hello | world')).toEqual({
      task: 'shop-prod_app.2',
      node: 'worker1',
      line: 'hello | world',
    });
    expect(parseLogLine('2026-12-03T10:00:00.000000001Z shop-prod_proxy.x1y2@mgr    | GET /')).toEqual({
      task: 'shop-prod_proxy.x1y2',
      node: 'mgr',
      line: '2026-12-03T10:00:00.000000001Z GET /',
    });
    expect(parseLogLine('shop-prod_app.1@mgr    | 2026-12-03T10:00:00Z started')?.line).toBe(
      '2026-12-03T10:00:00Z started',
    );
    expect(parseLogLine('error from daemon')).toBeUndefined();
  });

  it('exit codes of job tasks', () => {
    expect(exitCodeOf({ current: 'Complete 2 seconds ago', error: '' })).toBe(0);
    expect(exitCodeOf({ current: 'Failed 1 second ago', error: 'task: non-zero exit (3)' })).toBe(3);
    expect(exitCodeOf({ current: 'Rejected 1 second ago', error: 'No such image' })).toBeNull();
  });

  it('tasks and their service', () => {
    const t = parseTasks(`shop-prod_app.1\tw1\tRunning\tRunning 3 minutes ago\t\t${IMG1}\n`);
    expect(t).toEqual([
      {
        name: 'shop-prod_app.1',
        node: 'w1',
        desired: 'Running',
        current: 'Running 3 minutes ago',
        error: '',
        image: IMG1,
      },
    ]);
    expect(taskService('shop-prod_app.1')).toBe('shop-prod_app');
    expect(taskService('shop-prod_proxy.k2j3h4')).toBe('shop-prod_proxy');
  });

  it('service logs argv', () => {
    expect(serviceLogsOf('s_app', { since: '10m', tail: 5, follow: true })).toEqual([
      'docker',
      'service',
      'logs',
      '--timestamps',
      '--no-task-ids',
      '--no-trunc',
      '--since',
      '10m',
      '--tail',
      '5',
      '--follow',
      's_app',
    ]);
    expect(serviceLogsOf('s_app', { timestamps: false })).not.toContain('--timestamps');
  });
});

describe('service inspect and the status verdict', () => {
  const inspect = JSON.stringify([
    {
      Spec: {
        Name: 'shop-prod_app',
        Mode: { Replicated: { Replicas: 3 } },
        TaskTemplate: { ContainerSpec: { Image: IMG2, Env: ['A=1', 'RAGSHIP_RELEASE=R2'] } },
      },
      UpdateStatus: { State: 'completed', StartedAt: 't', Message: 'update completed' },
    },
  ]);
  const spec = parseServiceInspect(inspect).get('shop-prod_app')!;
  const task = (node: string, image: string, current = 'Running 1 minute ago', error = '') => ({
    name: 'shop-prod_app.1',
    node,
    desired: 'Running',
    current,
    error,
    image,
  });
  const base = {
    name: 'shop-prod_app',
    host: 'mgr',
    role: 'web',
    expected: true,
    expectedImage: IMG2,
    releaseFolder: 'R2',
    downNodes: new Set<string>(),
  };

  it('reads mode, spec image, release env, update state', () => {
    expect(spec).toMatchObject({ mode: 'replicated', specImage: IMG2, release: 'R2' });
    expect(spec.update?.state).toBe('completed');
  });

  it('healthy as released', () => {
    const v = judgeSwarmService({ ...spec, running: 3, desired: 3 }, { ...base, tasks: [task('w1', IMG2)] });
    expect(v.problem).toBeUndefined();
    expect(v.drift).toBeUndefined();
    expect(v.swarm.replicas).toBe('3/3');
  });

  it('drift: the spec runs another digest, or the env of another release', () => {
    const v = judgeSwarmService(
      { ...spec, specImage: IMG1, running: 3, desired: 3 },
      { ...base, tasks: [task('w1', IMG1)] },
    );
    expect(v.drift).toContain(`runs ${IMG1}, not ${IMG2}`);
    const e = judgeSwarmService({ ...spec, release: 'R1', running: 3, desired: 3 }, { ...base, tasks: [] });
    expect(e.drift).toContain('env of release R1, not R2');
  });

  it('drift: a task still runs the old digest', () => {
    const v = judgeSwarmService(
      { ...spec, running: 3, desired: 3 },
      { ...base, tasks: [task('w1', IMG2), task('w2', IMG1)] },
    );
    expect(v.drift).toMatch(/shop-prod_app.1@w2 still run sha256:1+/);
  });

  it('unhealthy: fewer tasks running than desired, with the tasks’ errors; a paused update', () => {
    const v = judgeSwarmService(
      { ...spec, running: 2, desired: 3 },
      { ...base, tasks: [task('w1', IMG2, 'Failed 3 seconds ago', 'task: non-zero exit (1)')] },
    );
    expect(v.problem).toContain('2/3 tasks running');
    expect(v.problem).toContain('non-zero exit (1)');
    const p = judgeSwarmService(
      {
        ...spec,
        update: { ...spec.update!, state: 'paused', message: 'update paused due to failure' },
        running: 3,
        desired: 3,
      },
      { ...base, tasks: [] },
    );
    expect(p.problem).toContain('update paused');
  });

  it('a global service on a down node is not unhealthy; a missing or unknown service is', () => {
    const g = judgeSwarmService(
      { ...spec, mode: 'global', running: 2, desired: 3 },
      { ...base, downNodes: new Set(['w2']), tasks: [] },
    );
    expect(g.problem).toBeUndefined();
    expect(judgeSwarmService(undefined, { ...base, tasks: [] }).problem).toContain('no such service');
    expect(
      judgeSwarmService({ ...spec, running: 1, desired: 1 }, { ...base, expected: false, tasks: [] }).drift,
    ).toContain('active release has no such service');
  });
});

describe('jobs on the nodes', () => {
  it('a global job argv: constraints, mounts, configs, the script as sh -c', () => {
    expect(
      jobCreate({
        name: 's_prune_r1',
        mode: 'global-job',
        stack: 's',
        image: IMG1,
        script: 'echo "$1"',
        args: ['x', 'y'],
        constraints: ['node.id!=abc'],
        mounts: ['type=bind,source=/,target=/host'],
        configs: [{ source: 'c1', target: '/c' }],
      }),
    ).toEqual([
      'docker',
      'service',
      'create',
      '--detach',
      '--name',
      's_prune_r1',
      '--mode',
      'global-job',
      '--restart-condition',
      'none',
      '--with-registry-auth',
      '--label',
      'ragship.stack=s',
      '--constraint',
      'node.id!=abc',
      '--mount',
      'type=bind,source=/,target=/host',
      '--config',
      'source=c1,target=/c,mode=0444',
      '--entrypoint',
      '/bin/sh -c',
      IMG1,
      'echo "$1"',
      'x',
      'y',
    ]);
  });

  it('a release log larger than a Swarm config keeps its newest whole lines', () => {
    const log = `${['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)].join('\n')}\n`;
    expect(logTail(log)).toEqual({ text: log, dropped: 0 });
    expect(logTail(log, 90)).toEqual({ text: `${'b'.repeat(40)}\n${'c'.repeat(40)}\n`, dropped: 1 });
  });
});

describe('runJob', () => {
  it('waits for every task, not for one on a node that is down; reads the output per node; removes the job', async () => {
    const calls: string[][] = [];
    const host = {
      exec: async (argv: readonly string[]) => {
        calls.push([...argv]);
        const cmd = argv.slice(0, 3).join(' ');
        const stdout =
          cmd === 'docker service ps'
            ? 'j.a\tw1\tComplete\tComplete 1 second ago\t\timg\nj.b\tw2\tComplete\tAssigned 9 seconds ago\t\timg\n'
            : cmd === 'docker node ls'
              ? 'mgr\tReady\tActive\tLeader\nw1\tReady\tActive\t\nw2\tDown\tActive\t\n'
              : cmd === 'docker service logs'
                ? 'j.a@w1    | removed x\n'
                : '';
        return { code: 0, stdout, stderr: '', durationMs: 1 };
      },
    };
    const { runJob } = await import('../../../src/swarm/jobs.js');
    const r = await runJob(host as never, ['docker', 'service', 'create'], 'j', {
      timeoutSeconds: 5,
      where: 't',
      pollMs: 1,
      skipDownNodes: true,
    });
    expect(r.timedOut).toBe(false);
    expect(r.stdout).toEqual([{ task: 'j.a', node: 'w1', line: 'removed x' }]);
    expect(calls.at(-1)).toEqual(['docker', 'service', 'rm', 'j']);
  });
});
