import { createHash } from 'node:crypto';
import type { Argv } from '../core/shell.js';

/**
 * Every command ragship runs on a Swarm manager, as data (argv arrays). The unit tests assert
 * the exact argv; test/integration/swarm runs them on a real cluster.
 */

/** `docker stack deploy` of the release's rendered files; nodes pull with the manager's login. */
export function stackDeploy(stack: string, files: readonly string[]): Argv {
  return [
    'docker',
    'stack',
    'deploy',
    '--with-registry-auth',
    '--prune',
    ...files.flatMap((f) => ['--compose-file', f]),
    stack,
  ];
}

/** A Swarm secret whose value is read from stdin (never argv, never a file). */
export function secretCreate(name: string, labels: Record<string, string>): Argv {
  return [
    'docker',
    'secret',
    'create',
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    name,
    '-',
  ];
}

export const secretList = (stack: string): Argv => [
  'docker',
  'secret',
  'ls',
  '--filter',
  `label=ragship.stack=${stack}`,
  '--format',
  '{{.Name}}',
];

export const secretRemove = (names: readonly string[]): Argv => ['docker', 'secret', 'rm', ...names];

/**
 * Per-release secret name (≤ 64 characters, Swarm's limit): an update references new names, so
 * Swarm swaps them with the tasks; the previous release's names stay for a rollback.
 */
export function secretName(stack: string, releaseId: string, key: string): string {
  const full = `${stack}_${releaseId}_${key}`;
  if (full.length <= 64) return full;
  const h = createHash('sha256').update(`${stack}\0${releaseId}\0${key}`).digest('hex');
  return `${stack.slice(0, 20)}_${releaseId.slice(0, 24)}_${h.slice(0, 18)}`;
}

/** id, name, mode, replicas, image of the stack's services, tab-separated. */
export const stackServices = (stack: string): Argv => [
  'docker',
  'service',
  'ls',
  '--filter',
  `label=com.docker.stack.namespace=${stack}`,
  '--format',
  '{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}',
];

/**
 * name, update state (`none` for a service never updated), when that update started, the spec's
 * image, and the update message, tab-separated (the message last: it may hold anything).
 */
export const updateStatus = (services: readonly string[]): Argv => [
  'docker',
  'service',
  'inspect',
  '--format',
  '{{.Spec.Name}}\t{{if .UpdateStatus}}{{.UpdateStatus.State}}\t{{.UpdateStatus.StartedAt}}{{else}}none\t-{{end}}\t{{.Spec.TaskTemplate.ContainerSpec.Image}}\t{{if .UpdateStatus}}{{.UpdateStatus.Message}}{{end}}',
  ...services,
];

/** Tasks of a service: name, node, desired state, current state, error, image. */
export function servicePs(service: string, running = false): Argv {
  return [
    'docker',
    'service',
    'ps',
    '--no-trunc',
    ...(running ? ['--filter', 'desired-state=running'] : []),
    '--format',
    '{{.Name}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Image}}',
    service,
  ];
}

export const serviceLogs = (service: string, lines = 40): Argv => [
  'docker',
  'service',
  'logs',
  '--raw',
  '--no-task-ids',
  '--tail',
  String(lines),
  service,
];

export const serviceRemove = (names: readonly string[]): Argv => ['docker', 'service', 'rm', ...names];

/** hostname, status (Ready/Down), availability, manager status. */
export const nodeList: Argv = [
  'docker',
  'node',
  'ls',
  '--format',
  '{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}',
];

/** `active true` on a manager of an active swarm. */
export const swarmState: Argv = [
  'docker',
  'info',
  '--format',
  '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}',
];

/**
 * The stack's default overlay network, created before the first stack deploy so the migration
 * job can join it (attachable; labelled so `docker stack deploy` adopts it as its own).
 */
export const networkExists = (name: string): Argv => [
  'docker',
  'network',
  'inspect',
  '--format',
  '{{.Id}}',
  name,
];
export function networkCreate(stack: string, name: string): Argv {
  return [
    'docker',
    'network',
    'create',
    '--driver',
    'overlay',
    '--attachable',
    '--label',
    `com.docker.stack.namespace=${stack}`,
    name,
  ];
}

/** Entrypoint and cmd of an image, as two JSON values on one line. */
export const imageCommand = (image: string): Argv => [
  'docker',
  'image',
  'inspect',
  '--format',
  '{{json .Config.Entrypoint}}\t{{json .Config.Cmd}}',
  image,
];

/**
 * The one-off migration: a replicated job (runs once, never restarted) with the release's image,
 * secrets and network, before any service is updated.
 */
export function migrationJob(o: {
  name: string;
  stack: string;
  network: string;
  image: string;
  secrets: Array<{ source: string; target: string }>;
  env: Record<string, string>;
  entrypoint: readonly string[];
  args: readonly string[];
}): Argv {
  return [
    'docker',
    'service',
    'create',
    '--detach',
    '--name',
    o.name,
    '--mode',
    'replicated-job',
    '--restart-condition',
    'none',
    '--with-registry-auth',
    '--network',
    o.network,
    '--label',
    `ragship.stack=${o.stack}`,
    ...o.secrets.flatMap((s) => ['--secret', `source=${s.source},target=${s.target}`]),
    ...Object.entries(o.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    // --entrypoint is split like a shell word list by the docker client: only fixed words here.
    '--entrypoint',
    o.entrypoint.join(' '),
    o.image,
    ...o.args,
  ];
}

/** The services' full inspect (spec, update status) as a JSON array; missing names exit 1. */
export const serviceInspect = (services: readonly string[]): Argv => [
  'docker',
  'service',
  'inspect',
  ...services,
];

/** Tasks of the whole stack meant to run: name, node, desired, current state, error, image. */
export const stackTasks = (stack: string): Argv => [
  'docker',
  'stack',
  'ps',
  '--no-trunc',
  '--filter',
  'desired-state=running',
  '--format',
  '{{.Name}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Image}}',
  stack,
];

export interface ServiceLogOptions {
  since?: string;
  tail?: number | 'all';
  follow?: boolean;
  /** RFC 3339 time first in each message (default on). */
  timestamps?: boolean;
}

/**
 * Logs of every task of a service, each line prefixed `<task>@<node> | ` by Swarm (no task
 * ids: the slot number names the task); stdout and stderr stay apart.
 */
export function serviceLogsOf(service: string, o: ServiceLogOptions): Argv {
  return [
    'docker',
    'service',
    'logs',
    ...(o.timestamps === false ? [] : ['--timestamps']),
    '--no-task-ids',
    '--no-trunc',
    ...(o.since ? ['--since', o.since] : []),
    ...(o.tail !== undefined ? ['--tail', String(o.tail)] : []),
    ...(o.follow ? ['--follow'] : []),
    service,
  ];
}

/** This node's Swarm id (constraints name it to run a job on the other nodes only). */
export const selfNodeId: Argv = ['docker', 'info', '--format', '{{.Swarm.NodeID}}'];

/** Ids of the swarm's managers. */
export const managerIds: Argv = ['docker', 'node', 'ls', '--quiet', '--filter', 'role=manager'];

/** A Swarm config whose content is read from stdin. */
export function configCreate(name: string, labels: Record<string, string>): Argv {
  return [
    'docker',
    'config',
    'create',
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    name,
    '-',
  ];
}

export const configRemove = (names: readonly string[]): Argv => ['docker', 'config', 'rm', ...names];

/** Running containers of a service's tasks on this node (for `exec --in-running`). */
export const localTaskContainers = (service: string): Argv => [
  'docker',
  'ps',
  '--quiet',
  '--filter',
  `label=com.docker.swarm.service.name=${service}`,
  '--filter',
  'status=running',
];

/**
 * A job (runs once per task, never restarted): `replicated-job` for one task, `global-job` for
 * one task on every node the constraints admit. The script is `sh -c`'s script; args follow
 * `$0`. Secrets/configs are mounted by name; env values are not secret (the spec shows them).
 */
export function jobCreate(o: {
  name: string;
  mode: 'replicated-job' | 'global-job';
  stack: string;
  image: string;
  script: string;
  args: readonly string[];
  networks?: readonly string[];
  constraints?: readonly string[];
  mounts?: readonly string[];
  secrets?: ReadonlyArray<{ source: string; target: string }>;
  configs?: ReadonlyArray<{ source: string; target: string }>;
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
}): Argv {
  return [
    'docker',
    'service',
    'create',
    '--detach',
    '--name',
    o.name,
    '--mode',
    o.mode,
    '--restart-condition',
    'none',
    '--with-registry-auth',
    '--label',
    `ragship.stack=${o.stack}`,
    ...(o.networks ?? []).flatMap((n) => ['--network', n]),
    ...(o.constraints ?? []).flatMap((c) => ['--constraint', c]),
    ...(o.mounts ?? []).flatMap((m) => ['--mount', m]),
    ...(o.secrets ?? []).flatMap((s) => ['--secret', `source=${s.source},target=${s.target}`]),
    ...(o.configs ?? []).flatMap((s) => ['--config', `source=${s.source},target=${s.target},mode=0444`]),
    ...Object.entries(o.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(o.user ? ['--user', o.user] : []),
    ...(o.workdir ? ['--workdir', o.workdir] : []),
    // --entrypoint is split like a shell word list by the docker client: only fixed words here.
    '--entrypoint',
    '/bin/sh -c',
    o.image,
    o.script,
    ...o.args,
  ];
}
