import type { Argv } from '../core/shell.js';
import { type ComposeTarget, compose } from '../deploy/commands.js';

/**
 * The remote commands of the day-2 verbs (status, logs, exec), as data. Nothing here runs
 * anything: unit tests assert the exact argv, integration tests run them on real hosts.
 */

/** Long-running containers of a compose project (one-off `run` containers excluded), ids. */
export function projectContainers(project: string, service?: string): Argv {
  return [
    'docker',
    'ps',
    '--all',
    '--quiet',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    'label=com.docker.compose.oneoff=False',
    ...(service ? ['--filter', `label=com.docker.compose.service=${service}`] : []),
  ];
}

/** Separator of the inspect fields (a tab cannot occur in any of them). */
export const FIELD = '\t';

/**
 * One line per container. The release id comes from the container's RAGSHIP_RELEASE only:
 * the other env values (secrets) never leave the host.
 */
export const INSPECT_FORMAT = [
  '{{.Id}}',
  '{{.Name}}',
  '{{index .Config.Labels "com.docker.compose.service"}}',
  '{{.Config.Image}}',
  '{{.Image}}',
  '{{.State.Status}}',
  '{{if index .State "Health"}}{{.State.Health.Status}}{{else}}none{{end}}',
  '{{.State.StartedAt}}',
  '{{.RestartCount}}',
  '{{range .Config.Env}}{{if eq (index (split . "=") 0) "RAGSHIP_RELEASE"}}{{index (split . "=") 1}}{{end}}{{end}}',
].join(FIELD);

export const inspectContainers = (ids: readonly string[]): Argv => [
  'docker',
  'inspect',
  '--format',
  INSPECT_FORMAT,
  ...ids,
];

/** "<image id>\t<repo digest> <repo digest> …" per image. */
export const imageRepoDigests = (imageIds: readonly string[]): Argv => [
  'docker',
  'image',
  'inspect',
  '--format',
  `{{.Id}}${FIELD}{{range .RepoDigests}}{{.}} {{end}}`,
  ...imageIds,
];

/** `true`/`false` per container, in the order of `ids` (exec --in-running picks a running one). */
export const runningStates = (ids: readonly string[]): Argv => [
  'docker',
  'inspect',
  '--format',
  '{{.State.Running}}',
  ...ids,
];

/** Host clock (epoch seconds): uptimes are computed against the host, not the laptop. */
export const hostClock: Argv = ['date', '-u', '+%s'];

/** POSIX df of the deploy root: available KiB is the 4th field of the 2nd line. */
export const diskFree = (path: string): Argv => ['df', '-P', '-k', path];

/** Whether the lock directory exists (the owner file may be written a moment later). */
export const dirExists = (path: string): Argv => ['test', '-d', path];

export interface LogOptions {
  since?: string;
  tail?: number | 'all';
  follow?: boolean;
}

/** docker logs of one container: stdout and stderr stay apart, timestamps on. */
export function containerLogs(id: string, o: LogOptions): Argv {
  return [
    'docker',
    'logs',
    '--timestamps',
    ...(o.since ? ['--since', o.since] : []),
    ...(o.tail !== undefined ? ['--tail', String(o.tail)] : []),
    ...(o.follow ? ['--follow'] : []),
    id,
  ];
}

/**
 * A one-off container of the release's service: its image, env overlay and volumes, without
 * starting its dependencies. -T: no TTY (output is a plain stream, exit code preserved).
 */
export function runOneOff(t: ComposeTarget, service: string, argv: readonly string[]): Argv {
  return compose(t, 'run', '--rm', '--no-deps', '-T', service, ...argv);
}

/**
 * The one-off run of `ragship exec -i/-it`: stdin attached (compose run attaches it), and with a
 * terminal (`-t`) no -T, so compose allocates a TTY in the container.
 */
export function runOneOffInteractive(
  t: ComposeTarget,
  service: string,
  argv: readonly string[],
  tty: boolean,
): Argv {
  return compose(t, 'run', '--rm', '--no-deps', ...(tty ? [] : ['-T']), service, ...argv);
}

/** `docker exec -i [-t]` into a running container (`--in-running -i/-it`). */
export const execInContainerInteractive = (id: string, argv: readonly string[], tty: boolean): Argv => [
  'docker',
  'exec',
  '-i',
  ...(tty ? ['-t'] : []),
  id,
  ...argv,
];

/** argv inside an already running container (`--in-running`). */
export const execInContainer = (id: string, argv: readonly string[]): Argv => ['docker', 'exec', id, ...argv];

/** `ragship remove`: the project down with its files; volumes only when asked. */
export const composeDown = (t: ComposeTarget, volumes: boolean): Argv =>
  compose(t, 'down', '--remove-orphans', '--timeout', '30', ...(volumes ? ['--volumes'] : []));

const projectLabel = (project: string) => `label=com.docker.compose.project=${project}`;

/** Every container of a compose project, one-off `run` containers included (ids). */
export const labelledContainers = (project: string): Argv => [
  'docker',
  'ps',
  '--all',
  '--quiet',
  '--no-trunc',
  '--filter',
  projectLabel(project),
];

export const labelledNetworks = (project: string): Argv => [
  'docker',
  'network',
  'ls',
  '--quiet',
  '--filter',
  projectLabel(project),
];

/** Named volumes of a compose project (names). */
export const labelledVolumes = (project: string): Argv => [
  'docker',
  'volume',
  'ls',
  '--quiet',
  '--filter',
  projectLabel(project),
];

export const removeContainersForce = (ids: readonly string[]): Argv => [
  'docker',
  'rm',
  '--force',
  '--volumes',
  ...ids,
];
export const removeNetworks = (ids: readonly string[]): Argv => ['docker', 'network', 'rm', ...ids];
export const removeVolumes = (names: readonly string[]): Argv => ['docker', 'volume', 'rm', ...names];

/**
 * A role's files under the deploy root: its folder in every release and its shared project
 * folder (bind-mounted files, published static pages). Root and role travel as arguments.
 */
export const removeRoleFolders = (root: string, role: string): Argv => [
  'sh',
  '-c',
  'rm -rf -- "$1"/releases/*/"$2" "$1/shared/$2"',
  'remove',
  root,
  role,
];

/**
 * The whole environment's release folders, shared files and the images it retains for the
 * host-wide prune (the history files stay).
 */
export const removeEnvironmentFolders = (root: string): Argv => [
  'rm',
  '-rf',
  '--',
  `${root}/releases`,
  `${root}/shared`,
  `${root}/retained-images`,
];
