import { describe, expect, it } from 'vitest';
import { execInContainerInteractive, runOneOffInteractive } from '../../../src/operate/commands.js';

const target = {
  compose: ['docker-compose'],
  project: 'app-staging-web',
  projectDir: '/d',
  files: ['/r/compose.yaml'],
};
const head = [
  'docker-compose',
  '--project-name',
  'app-staging-web',
  '--project-directory',
  '/d',
  '--file',
  '/r/compose.yaml',
];

describe('exec -i / -it argv (exact, no host)', () => {
  it.each([
    [false, [...head, 'run', '--rm', '--no-deps', '-T', 'app', 'sh', '-c', 'read x']],
    [true, [...head, 'run', '--rm', '--no-deps', 'app', 'sh', '-c', 'read x']],
  ])(
    'one-off run, tty %s: -T only without a terminal (compose run attaches stdin either way)',
    (tty, argv) => {
      expect(runOneOffInteractive(target, 'app', ['sh', '-c', 'read x'], tty)).toEqual(argv);
    },
  );

  it.each([
    [false, ['docker', 'exec', '-i', 'c0ffee', 'psql', '-U', 'app']],
    [true, ['docker', 'exec', '-i', '-t', 'c0ffee', 'psql', '-U', 'app']],
  ])('docker exec into the running container, tty %s', (tty, argv) => {
    expect(execInContainerInteractive('c0ffee', ['psql', '-U', 'app'], tty)).toEqual(argv);
  });
});
