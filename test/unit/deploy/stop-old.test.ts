import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';
import type { Argv } from '../../../src/core/shell.js';
import { stopInBackground } from '../../../src/deploy/commands.js';
import { awaitEarlierStops, parseExitStates, stopOld } from '../../../src/deploy/stop-old.js';

/** A host whose `docker inspect` answers from a script of states, recording every command. */
function fakeHost(inspections: string[]): { host: RemoteHost; calls: Argv[] } {
  const calls: Argv[] = [];
  let i = 0;
  const host = {
    label: 'deploy@h:22',
    async exec(argv: Argv) {
      calls.push(argv);
      const stdout = argv[1] === 'inspect' ? (inspections[Math.min(i++, inspections.length - 1)] ?? '') : '';
      return { code: 0, stdout, stderr: '' };
    },
  } as unknown as RemoteHost;
  return { host, calls };
}

const opts = {
  ids: ['aaa'],
  names: ['app-1'],
  service: 'app',
  graceSeconds: 30,
  markerDir: '/p/.ragship-stopping',
};

describe('stopping the replaced containers', () => {
  it('runs docker stop detached from the SSH session, grace and ids as arguments (no shell text)', () => {
    const argv = stopInBackground(['id1', 'id2'], 30, '/p/.ragship-stopping');
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).toContain('</dev/null >/dev/null 2>&1 &');
    expect(argv[2]).toContain('docker stop --time "$g" "$@"; docker rm --force "$@"');
    expect(argv[2]).toMatch(/for i; do : > "\$d\/\$i"; done; \(.*for i; do rm -f "\$d\/\$i"; done\)/);
    expect(argv.slice(3)).toEqual(['sh', '30', '/p/.ragship-stopping', 'id1', 'id2']);
  });

  it('reads exit code 137 as SIGKILL unless the OOM killer did it', () => {
    expect(
      parseExitStates(
        'a\texited\t137\tfalse\nb\texited\t137\ttrue\nc\trunning\t0\tfalse\nd\texited\t0\tfalse\n',
      ),
    ).toEqual([
      { id: 'a', running: false, killed: true },
      { id: 'b', running: false, killed: false },
      { id: 'c', running: true, killed: false },
      { id: 'd', running: false, killed: false },
    ]);
  });

  it('an old container that exits on SIGTERM is removed before the deploy returns, without a warning', async () => {
    const { host, calls } = fakeHost(['aaa\texited\t0\tfalse']);
    const logger = new MemoryLogger();
    const r = await stopOld({ host, logger, ...opts });
    expect(r.pending).toEqual([]);
    expect(calls.map((c) => c.slice(0, 2).join(' '))).toEqual([
      'sh -c',
      'docker inspect',
      'docker rm',
      'rm -f',
    ]);
    expect(calls.at(-1)).toEqual(['rm', '-f', '/p/.ragship-stopping/aaa']);
    expect(logger.text()).not.toContain('SIGKILL');
  });

  it('one that ignores SIGTERM is left to the background stop after the settle window, with a warning naming init: true and STOPSIGNAL', async () => {
    const { host, calls } = fakeHost(['aaa\trunning\t0\tfalse']);
    const logger = new MemoryLogger();
    const r = await stopOld({ host, logger, ...opts, settleSeconds: 0.3 });
    expect(r.pending).toEqual(['aaa']);
    expect(calls.some((c) => c[1] === 'rm')).toBe(false);
    expect(logger.text()).toMatch(
      /still running .*SIGKILL after stopGrace \(30 s\).*init: true.*STOPSIGNAL/s,
    );
  });

  it('the blocking mode (baseline) waits for docker stop and warns when the grace ran out', async () => {
    const { host, calls } = fakeHost(['aaa\texited\t137\tfalse']);
    const logger = new MemoryLogger();
    const r = await stopOld({ host, logger, ...opts, wait: true });
    expect(calls[0]).toEqual(['docker', 'stop', '--time', '30', 'aaa']);
    expect(r.killed).toEqual(['aaa']);
    expect(logger.text()).toMatch(/needed SIGKILL after 30 s.*init: true/s);
  });

  it('the next switch waits for containers still in an earlier background stop, then drops their markers', async () => {
    const id = 'a'.repeat(64);
    const calls: Argv[] = [];
    let inspections = 0;
    const host = {
      label: 'deploy@h:22',
      async exec(argv: Argv) {
        calls.push(argv);
        if (argv[0] === 'sh') return { code: 0, stdout: `${id}\nnot-an-id\n`, stderr: '' };
        if (argv[1] === 'inspect')
          return inspections++ === 0
            ? { code: 0, stdout: `${id}\trunning\t0\tfalse\n`, stderr: '' }
            : { code: 1, stdout: '', stderr: 'No such object' };
        return { code: 0, stdout: '', stderr: '' };
      },
    } as unknown as RemoteHost;
    const logger = new MemoryLogger();
    await awaitEarlierStops(host, '/p/.ragship-stopping', 30, logger);
    expect(inspections).toBe(2);
    expect(logger.text()).toContain('waiting for 1 old container(s) of the previous switch');
    expect(calls.some((c) => c[1] === 'rm')).toBe(false);
    expect(calls.at(-1)).toEqual(['rm', '-f', `/p/.ragship-stopping/${id}`]);
  });

  it('no markers: nothing to wait for, one command', async () => {
    const { host, calls } = fakeHost(['']);
    await awaitEarlierStops(host, '/p/.ragship-stopping', 30, new MemoryLogger());
    expect(calls).toHaveLength(1);
  });
});
