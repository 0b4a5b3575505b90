import type { Readable } from 'node:stream';
import { environmentOf } from '../config/load.js';
import { ConfigError, UserError } from '../core/errors.js';
import { secrets as processSecrets, type SecretRegistry } from '../core/redact.js';
import type { ConnectionInputs, SessionPorts } from '../deploy/session.js';
import {
  execInContainer,
  execInContainerInteractive,
  projectContainers,
  runningStates,
  runOneOff,
  runOneOffInteractive,
} from './commands.js';
import { DeployedEnvironment, shortHost } from './environment.js';
import { LineRedactor } from './lines.js';

export interface ExecInputs extends ConnectionInputs {
  role?: string;
  host?: string;
  service?: string;
  /** The command, passed verbatim as argv (already checked by parseCommand). */
  command: string[];
  /** Run inside the running container (`docker exec`) instead of a one-off container. */
  inRunning?: boolean;
  /** `-i`: pipe this process's stdin to the command (until it ends). */
  interactive?: boolean;
  /** `-t` (with -i): a terminal on the host and in the container (raw keys, colours, prompts). */
  tty?: boolean;
}

/** Where an interactive exec reads and writes (the CLI's process streams). */
export interface InteractiveIo {
  stdin: Readable;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The local terminal's size and type (with -t). */
  size?: () => { rows: number; cols: number; term: string };
  /** Subscribes to the local terminal's resizes (with -t). */
  onResize?: (fn: () => void) => void;
}

export interface ExecPorts extends SessionPorts {
  stdout(line: string): void;
  stderr(line: string): void;
  secrets?: SecretRegistry;
  /** Required with `interactive`: the streams the command is attached to. */
  io?: InteractiveIo;
}

export interface ExecResult {
  /** The command's exit status (null when it ended on a signal or the connection dropped). */
  exitCode: number | null;
  host: string;
  role: string;
  service: string;
  release: string;
  image?: string;
  mode: 'one-off' | 'in-running';
  interactive?: boolean;
  durationMs: number;
  connectionsPerHost: Record<string, number>;
}

/**
 * `ragship exec`: runs a command in a one-off container of the active release (its image by
 * digest, its env overlay, its volumes; dependencies not started) on one host of one role, or
 * with --in-running inside the service's running container. Output is streamed line by line
 * with the release's env values masked; the command's exit status comes back.
 */
export async function runExec(inputs: ExecInputs, ports: ExecPorts): Promise<ExecResult> {
  if (environmentOf(inputs.config, inputs.environment).engine === 'swarm')
    return (await import('../swarm/operate.js')).runSwarmExec(inputs, ports);
  const e = new DeployedEnvironment(inputs, ports);
  const registry = ports.secrets ?? processSecrets;
  try {
    const [roleName, role] = e.oneRole(inputs.role);
    const h = e.hosts(roleName, inputs.host)[0]!;
    const service = inputs.service ?? role.service;
    await e.open();
    const { target, manifest } = await e.activeOn(h, roleName);
    if (!manifest.services.includes(service))
      throw new ConfigError(
        '--service',
        `${JSON.stringify(service)} is not a service of the active release in role ${roleName}`,
        `use one of: ${manifest.services.join(', ')}`,
      );
    await e.maskReleaseEnv(h, roleName);
    const tty = !!inputs.interactive && !!inputs.tty;
    let argv = inputs.interactive
      ? runOneOffInteractive(target, service, inputs.command, tty)
      : runOneOff(target, service, inputs.command);
    if (inputs.inRunning) {
      const ids = (await h.host.exec(projectContainers(target.project, service))).stdout
        .split('\n')
        .filter(Boolean);
      const running = await h.host.exec(runningStates(ids), { allowFailure: true });
      const id = ids.find((_, i) => running.stdout.split('\n')[i]?.trim() === 'true');
      if (!id)
        throw new UserError(
          `${h.key} ${service}`,
          'has no running container',
          'drop --in-running to run a one-off container, or check `ragship status`',
        );
      argv = inputs.interactive
        ? execInContainerInteractive(id, inputs.command, tty)
        : execInContainer(id, inputs.command);
    }
    if (inputs.interactive) {
      const io = ports.io;
      if (!io || !h.host.execInteractive)
        throw new UserError(
          'exec -i',
          'needs the CLI (stdin and a terminal)',
          'run `ragship exec -i` from a shell',
        );
      const started = performance.now();
      // Masked chunk by chunk as it arrives (a prompt cannot wait for a whole line).
      const masked = (w: NodeJS.WritableStream) =>
        ({ write: (c: Buffer | string) => w.write(registry.redact(String(c))) }) as NodeJS.WritableStream;
      const r = await h.host.execInteractive(argv, {
        stdin: io.stdin,
        stdout: masked(io.stdout),
        stderr: masked(io.stderr),
        pty: tty ? io.size?.() : undefined,
        onResize:
          tty && io.onResize
            ? (resize) =>
                io.onResize!(() => {
                  const s = io.size?.();
                  if (s) resize(s.rows, s.cols);
                })
            : undefined,
        where: `${h.key} exec ${service}`,
      });
      return {
        exitCode: r.code,
        host: shortHost(h),
        role: roleName,
        service,
        release: e.active!.id,
        image: e.active!.images[roleName],
        mode: inputs.inRunning ? 'in-running' : 'one-off',
        interactive: true,
        durationMs: Math.round(performance.now() - started),
        connectionsPerHost: e.s.connectionsPerHost(),
      };
    }
    const out = new LineRedactor(registry, ports.stdout);
    const err = new LineRedactor(registry, ports.stderr);
    const active = e.active!;
    ports.logger.debug(
      `${h.key}: ${inputs.inRunning ? 'exec in the running' : 'one-off'} ${service} of ${active.id}`,
    );
    const r = await h.host.exec(argv, {
      allowFailure: true,
      where: `${h.key} exec ${service}`,
      onStdout: (c) => out.push(c),
      onStderr: (c) => err.push(c),
    });
    out.flush();
    err.flush();
    return {
      exitCode: r.code,
      host: shortHost(h),
      role: roleName,
      service,
      release: active.id,
      image: active.images[roleName],
      mode: inputs.inRunning ? 'in-running' : 'one-off',
      durationMs: Math.round(r.durationMs),
      connectionsPerHost: e.s.connectionsPerHost(),
    };
  } finally {
    e.close();
  }
}
