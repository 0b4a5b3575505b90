import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, errorMessage, UserError } from '../core/errors.js';
import { secrets as processSecrets, type SecretRegistry } from '../core/redact.js';
import { Report } from '../core/report.js';
import { releaseFolder } from '../deploy/release-log.js';
import type { HostEntry } from '../deploy/session.js';
import { diskFree } from '../operate/commands.js';
import { DeployedEnvironment, shortHost } from '../operate/environment.js';
import type { ExecInputs, ExecPorts, ExecResult } from '../operate/exec.js';
import { LineRedactor } from '../operate/lines.js';
import { DEFAULT_TAIL, type LogsInputs, type LogsPorts, type LogsResult } from '../operate/logs.js';
import type { StatusInputs, StatusResult } from '../operate/status.js';
import { lockStatus } from '../operate/status.js';
import { parseDf, STATUS_EXIT, statusExitCode } from '../operate/status-model.js';
import {
  jobCreate,
  localTaskContainers,
  nodeList,
  serviceInspect,
  serviceLogsOf,
  stackServices,
  stackTasks,
  swarmState,
} from './commands.js';
import { downNodesOf, replicasOf } from './converge.js';
import { exitCodeOf, jobName, parseLogLine, parseTasks, runJob, type TaskRow, taskService } from './jobs.js';
import { HashedSecrets, judgeSwarmService, parseServiceInspect, type RedactHashes } from './operate-model.js';
import type { SwarmManifest } from './run.js';
import { SECRETS_TO_ENV } from './stack.js';

/** A service of the active release's stack files: its role and the image the file names. */
interface ReleaseService {
  role: string;
  image?: string;
}

/**
 * The environment as the day-2 verbs see it on Swarm: one SSH connection to the manager (the
 * first host), its release log, and the active release's manifest and stack files.
 */
class SwarmEnvironment {
  readonly e: DeployedEnvironment;
  manifest?: SwarmManifest & { redact?: RedactHashes };
  services = new Map<string, ReleaseService>();

  constructor(inputs: StatusInputs, ports: ConstructorParameters<typeof DeployedEnvironment>[1]) {
    this.e = new DeployedEnvironment(inputs, ports);
  }

  get h(): HostEntry {
    return this.e.s.primary;
  }

  get stack(): string {
    return `${this.e.s.app}-${this.e.s.inputs.environment}`;
  }

  async open(): Promise<void> {
    const h = this.h;
    await this.e.s.resolveRoot(h);
    const state = (await h.host.exec(swarmState, { allowFailure: true })).stdout.trim();
    if (state !== 'active true')
      throw new UserError(
        `${h.key}`,
        `environment ${this.e.s.inputs.environment} has engine: swarm, but this host's Docker says "${state || 'no answer'}" (LocalNodeState ControlAvailable)`,
        'list a manager of the swarm first under hosts: (docs/swarm.md)',
      );
    this.e.records = await this.e.s.readReleases(h);
    const active = this.e.active;
    if (!active) return;
    const dir = posix.join(h.root, 'releases', releaseFolder(active), 'stack');
    const raw = await h.host.readFile(posix.join(dir, 'manifest.json'));
    if (!raw) {
      this.e.s.ports.logger.warn(
        `${h.key}: the active release ${active.id} has no stack folder under ${dir}`,
      );
      return;
    }
    this.manifest = JSON.parse(raw.toString('utf8'));
    for (const f of this.manifest!.files) {
      const role = /^stack-(.+)-[0-9]+\.yaml$/.exec(f)?.[1] ?? '';
      const text = (await h.host.readFile(posix.join(dir, f)))?.toString('utf8');
      const doc = (text ? parseYaml(text) : {}) as { services?: Record<string, { image?: unknown }> };
      for (const [name, svc] of Object.entries(doc?.services ?? {}))
        this.services.set(`${this.stack}_${name}`, {
          role,
          image:
            typeof svc?.image === 'string' ? svc.image : this.services.get(`${this.stack}_${name}`)?.image,
        });
    }
  }

  /** The release's services of the roles picked by --role, as full Swarm names. */
  releaseServices(role?: string): string[] {
    const roles = new Set(this.e.roles(role).map(([n]) => n));
    return [...this.services.entries()].filter(([, s]) => roles.has(s.role)).map(([n]) => n);
  }

  /** --service (compose name, or the full Swarm name) → the full Swarm name; unknown names exit 2. */
  service(name: string, role?: string): string {
    const known = this.releaseServices(role);
    const full = name.startsWith(`${this.stack}_`) ? name : `${this.stack}_${name}`;
    if (known.includes(full)) return full;
    throw new ConfigError(
      '--service',
      `${JSON.stringify(name)} is not a service of the active release${role ? ` in role ${role}` : ''}`,
      `use one of: ${known.map((k) => k.slice(this.stack.length + 1)).join(', ') || 'none (nothing deployed)'}`,
    );
  }

  /** The release's secrets masked by their hashes; a release deployed before they were kept: a warning. */
  registry(base: SecretRegistry): SecretRegistry {
    if (this.manifest?.redact) return new HashedSecrets(this.manifest.redact, base);
    if (this.manifest?.secrets.length)
      this.e.s.ports.logger.warn(
        `release ${this.manifest.releaseId} was deployed without secret hashes: its secrets cannot be masked here (deploy again to get them)`,
      );
    return base;
  }

  requireActive(): SwarmManifest {
    if (!this.e.active || !this.manifest)
      throw new UserError(
        `environment ${this.e.s.inputs.environment}`,
        `has no successful Swarm release on ${this.h.key}`,
        'deploy first (ragship deploy)',
      );
    return this.manifest;
  }

  close(): void {
    this.e.close();
  }
}

export type SwarmStatusResult = StatusResult & {
  swarm: {
    stack: string;
    nodes: Array<{ node: string; status: string; availability: string; manager: string }>;
  };
};

/**
 * `ragship status` on Swarm: per service of the stack, replicas running vs desired, the
 * spec's and the tasks' image digests vs the release log's, the update state (an update or a
 * rollback by Swarm), and the nodes; read on the manager only.
 */
export async function runSwarmStatus(
  inputs: StatusInputs,
  ports: ConstructorParameters<typeof DeployedEnvironment>[1],
): Promise<SwarmStatusResult> {
  const env = new SwarmEnvironment(inputs, ports);
  try {
    env.e.roles(inputs.role);
    await env.open();
    const h = env.h;
    const active = env.e.active;
    const lock = await lockStatus(env.e);
    const nodesRaw = (await h.host.exec(nodeList, { allowFailure: true })).stdout;
    const nodes = nodesRaw
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [node = '', status = '', availability = '', manager = ''] = l.split('\t');
        return { node, status, availability, manager };
      });
    const down = new Set(downNodesOf(nodesRaw));
    const replicas = replicasOf((await h.host.exec(stackServices(env.stack), { allowFailure: true })).stdout);
    const running = [...replicas.keys()];
    const expected = active ? env.releaseServices(inputs.role) : [];
    const roleOf = (name: string) => env.services.get(name)?.role ?? '';
    // Services in the stack but not in the release still belong to the picked roles' stack.
    const names = [...new Set([...expected, ...running.filter((n) => !inputs.role || !env.services.has(n))])];
    const specs = names.length
      ? parseServiceInspect((await h.host.exec(serviceInspect(names), { allowFailure: true })).stdout)
      : new Map();
    const tasks = parseTasks((await h.host.exec(stackTasks(env.stack), { allowFailure: true })).stdout);
    const services = names.map((name) => {
      const r = replicas.get(name);
      const spec = specs.get(name);
      return judgeSwarmService(
        r && spec
          ? { ...spec, running: r.running, desired: r.desired, mode: r.mode || spec.mode }
          : undefined,
        {
          name,
          host: shortHost(h),
          role: roleOf(name),
          expected: expected.includes(name),
          expectedImage: env.services.get(name)?.image,
          releaseFolder: active && releaseFolder(active),
          tasks: tasks.filter((t) => taskService(t.name) === name),
          downNodes: down,
        },
      );
    });
    const df = await h.host.exec(diskFree(h.root), { allowFailure: true });
    const exitCode = statusExitCode(services, !!active);
    const result: Omit<SwarmStatusResult, 'report'> = {
      app: env.e.s.app,
      environment: inputs.environment,
      active: active && {
        id: active.id,
        kind: active.kind + (active.source ? ` of ${active.source}` : ''),
        image: active.image,
        gitSha: active.gitSha,
        actor: active.actor,
        finishedAt: active.finishedAt,
      },
      lock,
      hosts: [
        {
          host: h.key,
          roles: env.e.roles(inputs.role).map(([n]) => n),
          root: h.root,
          diskFreeBytes: parseDf(df.stdout),
        },
      ],
      services,
      drifted: !active || services.some((s) => s.drift),
      unhealthy: services.some((s) => s.problem),
      exitCode,
      connectionsPerHost: env.e.s.connectionsPerHost(),
      swarm: { stack: env.stack, nodes },
    };
    return { ...result, report: swarmStatusReport(result, services) };
  } finally {
    env.close();
  }
}

function swarmStatusReport(
  r: Omit<SwarmStatusResult, 'report'>,
  services: Array<ReturnType<typeof judgeSwarmService>>,
): Report {
  const verdict =
    r.exitCode === STATUS_EXIT.unhealthy ? '❌ unhealthy' : r.drifted ? '⚠️ drift' : '✅ healthy, as released';
  const short = (ref: string) => ref.replace(/@sha256:([a-f0-9]{12})[a-f0-9]+/, '@sha256:$1…');
  return new Report()
    .heading(`Status of ${r.app} ${r.environment} (Swarm stack ${r.swarm.stack}): ${verdict}`)
    .table(
      ['', ''],
      [
        ['active release', r.active ? `${r.active.id} (${r.active.kind})` : 'none — nothing deployed'],
        ['image', r.active?.image ?? '—'],
        ['deployed', r.active ? `${r.active.finishedAt} by ${r.active.actor}` : '—'],
        [
          'deploy lock',
          r.lock.held
            ? r.lock.owner
              ? `held by run ${r.lock.owner.runId} (${r.lock.owner.actor}) since ${r.lock.owner.acquiredAt}${r.lock.stale ? ', expired' : ''}`
              : 'held'
            : 'free',
        ],
      ],
    )
    .heading('Services', 3)
    .table(
      ['role', 'service', 'replicas', 'update', 'verdict'],
      services.map((s) => [
        s.role || '—',
        s.service,
        s.swarm.replicas,
        s.swarm.update,
        s.problem ? `❌ ${s.problem}` : s.drift ? `⚠️ drift: ${s.drift}` : '✅',
      ]),
    )
    .heading('Tasks', 3)
    .table(
      ['task', 'node', 'state', 'image', 'error'],
      services.flatMap((s) =>
        s.swarm.tasks.map((t) => [t.name, t.node || '—', t.current, short(t.image), t.error || '']),
      ),
    )
    .heading('Nodes', 3)
    .table(
      ['node', 'status', 'availability', 'manager'],
      r.swarm.nodes.map((n) => [n.node, n.status, n.availability, n.manager || 'worker']),
    );
}

/**
 * `ragship logs` on Swarm: `docker service logs` of the selected services (every task on
 * every node, through the manager), one stream per service, each line prefixed by the node and
 * the task, secrets masked, --grep on the masked line. --host picks a node by its hostname.
 */
export async function runSwarmLogs(inputs: LogsInputs, ports: LogsPorts): Promise<LogsResult> {
  const env = new SwarmEnvironment(inputs, ports);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    env.close();
  };
  try {
    env.e.roles(inputs.role);
    await env.open();
    env.requireActive();
    const registry = env.registry(ports.secrets ?? processSecrets);
    const services = inputs.service
      ? [env.service(inputs.service, inputs.role)]
      : env.releaseServices(inputs.role);
    const h = env.h;
    ports.signal?.addEventListener('abort', onAbort, { once: true });
    if (ports.signal?.aborted) onAbort();
    const tail = inputs.tail ?? (inputs.since ? undefined : DEFAULT_TAIL);
    let lines = 0;
    const failed: string[] = [];
    await Promise.all(
      services.map(async (svc) => {
        const role = env.services.get(svc)?.role ?? '';
        const emit = (stream: 'stdout' | 'stderr') =>
          new LineRedactor(registry, (raw) => {
            const l = parseLogLine(raw);
            if (!l) return;
            if (inputs.host && l.node !== inputs.host) return;
            if (inputs.grep && !inputs.grep.test(l.line)) return;
            lines++;
            ports.onLine({ host: l.node, role, source: l.task, stream, line: l.line });
          });
        const out = emit('stdout');
        const err = emit('stderr');
        try {
          if (aborted) return;
          const run = await h.host.execStream(
            serviceLogsOf(svc, { since: inputs.since, tail, follow: inputs.follow }),
            { where: `${h.key} service logs ${svc}`, onStderr: (c) => err.push(c) },
          );
          run.stdout.setEncoding('utf8');
          run.stdout.on('data', (c: string) => out.push(c));
          const ended = new Promise<void>((resolve) => run.stdout.once('close', resolve));
          const error = await run.done.then(
            () => undefined,
            (x: unknown) => x,
          );
          await ended;
          if (error && !aborted) throw error;
        } catch (x) {
          if (!aborted) {
            failed.push(`${svc}: ${errorMessage(x)}`);
            ports.logger.warn(`logs of ${svc} ended: ${errorMessage(x)}`);
          }
        } finally {
          out.flush();
          err.flush();
        }
      }),
    );
    if (!aborted && services.length && failed.length === services.length)
      throw new UserError('logs', `every log stream failed:\n${failed.join('\n')}`, 'check `ragship status`');
    return { containers: services.length, lines, failed, connectionsPerHost: env.e.s.connectionsPerHost() };
  } finally {
    ports.signal?.removeEventListener('abort', onAbort);
    env.close();
  }
}

interface ServiceSpecForExec {
  image: string;
  env: string[];
  secrets: Array<{ source: string; target: string }>;
  networks: string[];
}

function specForExec(json: string): ServiceSpecForExec | undefined {
  try {
    const spec = (JSON.parse(json) as Array<{ Spec?: any }>)[0]?.Spec;
    if (!spec) return undefined;
    const cs = spec.TaskTemplate?.ContainerSpec ?? {};
    return {
      image: String(cs.Image ?? ''),
      env: Array.isArray(cs.Env) ? cs.Env.map(String) : [],
      secrets: (cs.Secrets ?? []).map((s: { SecretName: string; File?: { Name?: string } }) => ({
        source: s.SecretName,
        target: s.File?.Name ?? s.SecretName,
      })),
      networks: (spec.TaskTemplate?.Networks ?? []).map((n: { Target: string }) => n.Target),
    };
  } catch {
    return undefined;
  }
}

/**
 * `ragship exec` on Swarm: a one-off `replicated-job` with the service's image, env, Swarm
 * secrets (as env, through the same wrapper as the tasks) and networks: the command sees what a
 * task sees, on whichever node Swarm picks, and no secret leaves Swarm. Its output is printed
 * masked once it ended; its exit status comes back. --in-running: `docker exec` in a task
 * running on the manager itself (the only node ragship reaches).
 */
export async function runSwarmExec(inputs: ExecInputs, ports: ExecPorts): Promise<ExecResult> {
  const env = new SwarmEnvironment(inputs, ports);
  const t0 = performance.now();
  try {
    const [roleName, role] = env.e.oneRole(inputs.role);
    if (inputs.host)
      throw new ConfigError(
        '--host',
        'has no meaning on engine: swarm (Swarm picks the node of a one-off job)',
        'drop --host',
      );
    await env.open();
    const manifest = env.requireActive();
    const service = env.service(inputs.service ?? role.service, roleName);
    const registry = env.registry(ports.secrets ?? processSecrets);
    const out = new LineRedactor(registry, ports.stdout);
    const err = new LineRedactor(registry, ports.stderr);
    const h = env.h;
    const active = env.e.active!;
    const result = (exitCode: number | null, mode: ExecResult['mode']): ExecResult => ({
      exitCode,
      host: shortHost(h),
      role: roleName,
      service: service.slice(env.stack.length + 1),
      release: active.id,
      image: manifest.image,
      mode,
      durationMs: Math.round(performance.now() - t0),
      connectionsPerHost: env.e.s.connectionsPerHost(),
    });
    if (inputs.inRunning) {
      const id = (await h.host.exec(localTaskContainers(service))).stdout.split('\n').find(Boolean);
      if (!id)
        throw new UserError(
          `${h.key} ${service}`,
          'has no task running on the manager (ragship reaches no other node)',
          'drop --in-running to run a one-off job with the same image, env and secrets',
        );
      const r = await h.host.exec(
        ['docker', 'exec', id, '/bin/sh', '-c', SECRETS_TO_ENV, 'ragship', ...inputs.command],
        {
          allowFailure: true,
          where: `${h.key} exec ${service}`,
          onStdout: (c) => out.push(c),
          onStderr: (c) => err.push(c),
        },
      );
      out.flush();
      err.flush();
      return result(r.code, 'in-running');
    }
    const spec = specForExec((await h.host.exec(serviceInspect([service]), { allowFailure: true })).stdout);
    if (!spec)
      throw new UserError(
        `${h.key} ${service}`,
        'is not in the stack on the manager',
        'check `ragship status`; deploy again if it was removed',
      );
    const name = jobName(
      env.stack,
      'exec',
      `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    );
    const r = await runJob(
      h.host,
      jobCreate({
        name,
        mode: 'replicated-job',
        stack: env.stack,
        image: spec.image,
        script: SECRETS_TO_ENV,
        args: ['ragship', ...inputs.command],
        networks: spec.networks,
        secrets: spec.secrets,
        env: Object.fromEntries(spec.env.map((e) => [e.split('=')[0]!, e.split('=').slice(1).join('=')])),
      }),
      name,
      { timeoutSeconds: 3600, where: `${h.key} exec job ${service}` },
    );
    for (const l of r.stdout) out.push(`${l.line}\n`);
    for (const l of r.stderr) err.push(`${l.line}\n`);
    out.flush();
    err.flush();
    const task: TaskRow | undefined = r.tasks[0];
    if (r.timedOut) ports.logger.warn(`${h.key}: the one-off job did not end within 3600 s and was removed`);
    else if (task && exitCodeOf(task) === null)
      ports.logger.warn(
        `${h.key}: the one-off job ended "${task.current}"${task.error ? ` (${task.error})` : ''}`,
      );
    return result(task && !r.timedOut ? exitCodeOf(task) : null, 'one-off');
  } finally {
    env.close();
  }
}
