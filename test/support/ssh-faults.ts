// Faults on real SSH connections to the sandbox hosts: a connection cut while a chosen remote
// command runs (its sshd session processes are SIGKILLed, as a network cut or a host reboot
// would end it). Used by the deploy fault tests.
import { readFileSync } from 'node:fs';
import { RemoteHost, type RemoteHostOptions } from '../../src/core/remote-host.js';
import type { HostSpec } from '../../src/core/validate.js';
import type { SessionPorts } from '../../src/deploy/session.js';
import { parentPids } from './process.js';
import { sandboxHost } from './sandbox.js';

/**
 * Drops `host`'s live SSH connection: a marker channel on the same connection reports its
 * shell pid; the sshd processes between it and the listener serve this one connection and are
 * SIGKILLed.
 */
export async function dropConnection(
  host: RemoteHost,
  exec: RemoteHost['exec'],
  name: 'cpu' | 'gpu' = 'cpu',
): Promise<void> {
  const listener = Number(readFileSync(`${sandboxHost(name).dir}/sshd.pid`, 'utf8'));
  let shell = 0;
  const marker = exec(['sh', '-c', 'echo $$; exec sleep 60'], {
    onStdout: (c) => {
      shell ||= Number(c.trim());
    },
  }).catch(() => undefined);
  for (let i = 0; i < 400 && !shell; i++) await new Promise((r) => setTimeout(r, 25));
  if (!shell) throw new Error(`no marker shell on ${host.label}`);
  const chain = parentPids(shell);
  const session = chain.slice(0, chain.indexOf(listener));
  if (!chain.includes(listener) || session.length === 0) throw new Error('sshd session not found');
  // A process may already be gone (the shell dies with its sshd session): that is the point.
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  };
  for (const pid of session) kill(pid);
  kill(shell);
  await marker;
}

export type DropHook = NonNullable<SessionPorts['connect']> & { outcome?: unknown; hosts: RemoteHost[] };

/**
 * A connect port for runDeploy/runRollback: the first remote command matching `when` is
 * started, then the connection is dropped while it runs — `after` ms later, or once `after()`
 * resolves (wait for what the command does on the host, not a guess of how long a loaded
 * machine takes to get there); `outcome` says how that command ended ('resolved' or its error).
 */
export function dropDuring(
  when: (argv: readonly string[]) => boolean,
  after: number | (() => Promise<void>) = 0,
): DropHook {
  const connect = ((_spec: HostSpec, options: RemoteHostOptions) => {
    const host = new RemoteHost(options);
    connect.hosts.push(host);
    const exec = host.exec.bind(host);
    let armed = true;
    host.exec = (async (argv, opts) => {
      if (!armed || !when(argv)) return exec(argv, opts);
      armed = false;
      const running = exec(argv, opts);
      const settled = running.then(
        () => 'resolved',
        (e: unknown) => e,
      );
      if (typeof after === 'function') await after();
      else if (after) await new Promise((r) => setTimeout(r, after));
      await dropConnection(host, exec);
      connect.outcome = await settled;
      return running;
    }) as RemoteHost['exec'];
    return host;
  }) as unknown as DropHook;
  connect.hosts = [];
  return connect;
}
