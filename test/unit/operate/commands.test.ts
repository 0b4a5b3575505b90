import { describe, expect, it } from 'vitest';
import { commandLine } from '../../../src/core/shell.js';
import {
  containerLogs,
  diskFree,
  execInContainer,
  imageRepoDigests,
  projectContainers,
  runningStates,
  runOneOff,
} from '../../../src/operate/commands.js';

const target = {
  compose: ['docker-compose'],
  project: 'app-staging-web',
  projectDir: '/home/deploy/ragship/app/staging/shared/web',
  files: ['/r/releases/1/web/compose-0-compose.yaml', '/r/releases/1/web/env.yaml'],
  envFile: '/r/releases/1/web/compose.env',
};

describe('day-2 command builders (exact argv, no host)', () => {
  it('asks docker whether each container runs, one line per id in order', () => {
    expect(runningStates(['a1', 'b2'])).toEqual([
      'docker',
      'inspect',
      '--format',
      '{{.State.Running}}',
      'a1',
      'b2',
    ]);
  });

  it('lists only long-running containers of the project, optionally of one service', () => {
    expect(projectContainers('app-staging-web')).toEqual([
      'docker',
      'ps',
      '--all',
      '--quiet',
      '--no-trunc',
      '--filter',
      'label=com.docker.compose.project=app-staging-web',
      '--filter',
      'label=com.docker.compose.oneoff=False',
    ]);
    expect(projectContainers('p', 'app').slice(-2)).toEqual([
      '--filter',
      'label=com.docker.compose.service=app',
    ]);
  });

  it('docker logs keeps the flags it was given and nothing else', () => {
    expect(containerLogs('abc', {})).toEqual(['docker', 'logs', '--timestamps', 'abc']);
    expect(containerLogs('abc', { since: '10m', tail: 50, follow: true })).toEqual([
      'docker',
      'logs',
      '--timestamps',
      '--since',
      '10m',
      '--tail',
      '50',
      '--follow',
      'abc',
    ]);
    expect(containerLogs('abc', { tail: 'all' })).toContain('all');
  });

  it('a one-off run uses the release target, no deps, no TTY, argv after the service', () => {
    expect(runOneOff(target, 'app', ['node', '-e', 'x'])).toEqual([
      'docker-compose',
      '--project-name',
      'app-staging-web',
      '--project-directory',
      '/home/deploy/ragship/app/staging/shared/web',
      '--env-file',
      '/r/releases/1/web/compose.env',
      '--file',
      '/r/releases/1/web/compose-0-compose.yaml',
      '--file',
      '/r/releases/1/web/env.yaml',
      'run',
      '--rm',
      '--no-deps',
      '-T',
      'app',
      'node',
      '-e',
      'x',
    ]);
  });

  it('hostile command arguments stay single arguments on the remote command line', () => {
    const hostile = ['sh', '-c', 'echo "$1"', 'x', "$(touch /tmp/pwned); `id`; a'b"];
    const line = commandLine(runOneOff(target, 'app', hostile));
    expect(line.endsWith(`app sh -c 'echo "$1"' x '$(touch /tmp/pwned); \`id\`; a'\\''b'`)).toBe(true);
    expect(execInContainer('c1', ['ls', '-la'])).toEqual(['docker', 'exec', 'c1', 'ls', '-la']);
  });

  it('disk and image digests', () => {
    expect(diskFree('/r')).toEqual(['df', '-P', '-k', '/r']);
    expect(imageRepoDigests(['sha256:a']).at(-1)).toBe('sha256:a');
  });
});
