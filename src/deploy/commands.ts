import type { Argv } from '../core/shell.js';

/**
 * Every remote command of a deploy, as data (argv arrays). Nothing here runs anything; the
 * unit tests assert the exact argv, the integration tests run them on real hosts.
 */
export interface ComposeTarget {
  /** ['docker','compose'] (v2) or ['docker-compose'] (v1), as detected on the host. */
  compose: readonly string[];
  project: string;
  /** Stable folder relative bind mounts resolve against (does not change between releases). */
  projectDir: string;
  files: readonly string[];
  /** Non-secret interpolation variables file. */
  envFile?: string;
}

export function compose(t: ComposeTarget, ...args: string[]): Argv {
  const head = [...t.compose, '--project-name', t.project, '--project-directory', t.projectDir];
  if (t.envFile) head.push('--env-file', t.envFile);
  for (const f of t.files) head.push('--file', f);
  return [...head, ...args];
}

export const pull = (t: ComposeTarget, services: string[]): Argv =>
  compose(t, 'pull', '--quiet', ...services);

/** The same pull, printing its layer/service progress (the deploy reads it: src/deploy/pull-progress.ts). */
export const pullShowingProgress = (t: ComposeTarget, services: string[]): Argv =>
  compose(t, 'pull', ...services);

/** One-off run of the migrate service with the new image and env; dependencies are started. */
export function migrate(t: ComposeTarget, service: string, command: readonly string[] = []): Argv {
  return compose(t, 'run', '--rm', '-T', service, ...command);
}

/**
 * One-off run of a service without its dependencies (GPU prefetch: download the model into the
 * cache volume with the new image while the old server still serves).
 */
export function runOnce(
  t: ComposeTarget,
  service: string,
  command: readonly string[],
  entrypoint?: string,
): Argv {
  return compose(
    t,
    'run',
    '--rm',
    '-T',
    '--no-deps',
    ...(entrypoint ? ['--entrypoint', entrypoint] : []),
    service,
    ...command,
  );
}

/** Starts `services` (recreating only those whose config changed); never touches the others. */
export const upServices = (t: ComposeTarget, services: string[]): Argv =>
  compose(t, 'up', '--detach', '--no-deps', ...services);

/** The scale-beside step: new containers next to the running ones, which are not recreated. */
export function scaleBeside(t: ComposeTarget, service: string, total: number): Argv {
  return compose(
    t,
    'up',
    '--detach',
    '--no-deps',
    '--no-recreate',
    '--scale',
    `${service}=${total}`,
    service,
  );
}

export const recreate = (t: ComposeTarget, service: string): Argv =>
  compose(t, 'up', '--detach', '--no-deps', '--force-recreate', service);

/** Running containers of one compose service (ids). */
export function serviceContainers(project: string, service: string, all = false): Argv {
  return [
    'docker',
    'ps',
    ...(all ? ['--all'] : []),
    '--quiet',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ];
}

/** name, IPs, health status and image of containers, one tab-separated line each. */
export function inspectContainers(ids: string[]): Argv {
  return [
    'docker',
    'inspect',
    '--format',
    '{{.Id}}\t{{.Name}}\t{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}\t{{if index .State "Health"}}{{.State.Health.Status}}{{else}}none{{end}}\t{{.State.Status}}\t{{.Image}}',
    ...ids,
  ];
}

export const stopContainers = (ids: string[], graceSeconds: number): Argv => [
  'docker',
  'stop',
  '--time',
  String(Math.round(graceSeconds)),
  ...ids,
];
export const removeContainers = (ids: readonly string[]): Argv => ['docker', 'rm', '--force', ...ids];
export const containerLogs = (id: string, lines = 100): Argv => [
  'docker',
  'logs',
  '--tail',
  String(lines),
  '--timestamps',
  id,
];

/** nginx validates the new config first, then reloads gracefully (old workers drain). */
export const proxyTest = (container: string): Argv => ['docker', 'exec', container, 'nginx', '-t', '-q'];
export const proxyReload = (container: string): Argv => [
  'docker',
  'exec',
  container,
  'nginx',
  '-s',
  'reload',
];

/** One HTTP probe from the host to a container address; stdout is the body. */
export function httpGet(url: string, timeoutSeconds = 5): Argv {
  return ['curl', '--fail', '--silent', '--show-error', '--max-time', String(timeoutSeconds), url];
}

export function httpPostJson(url: string, body: unknown, timeoutSeconds = 60): Argv {
  return [
    'curl',
    '--fail',
    '--silent',
    '--show-error',
    '--max-time',
    String(timeoutSeconds),
    '--header',
    'Content-Type: application/json',
    '--data',
    JSON.stringify(body),
    url,
  ];
}

/** Registry login with the password on stdin (never argv). */
export const registryLogin = (server: string, username: string): Argv => [
  'docker',
  'login',
  '--username',
  username,
  '--password-stdin',
  server,
];

export const mkdirs = (...paths: string[]): Argv => ['mkdir', '-p', ...paths];

/** Exit status 0 when `path` is a directory. */
export const isDirectory = (path: string): Argv => ['test', '-d', path];

/** Makes a tree readable (and its folders enterable) by everyone: nginx serves it. */
export const makeReadable = (path: string): Argv => ['chmod', '-R', 'a+rX', path];

/** Renames a folder onto a path that must not exist as a folder (`-T`: never moved inside it). */
export const renameTree = (from: string, to: string): Argv => ['mv', '-T', from, to];

/** Appends stdin to a file (one JSON line: O_APPEND keeps concurrent lines whole). */
export const appendStdin = (path: string): Argv => ['sh', '-c', 'cat >> "$1"', 'sh', path];

/** Copies a release's bind-mounted files into the stable project directory (`-p`: modes kept). */
export const syncFiles = (fromDir: string, toDir: string): Argv => [
  'cp',
  '-R',
  '-p',
  `${fromDir}/.`,
  `${toDir}/`,
];

/**
 * Bounds a command on the host itself (coreutils/busybox `timeout`): it is killed there even
 * when the SSH connection is gone. Exit status 124 (or 137 after the kill) means "timed out".
 */
export const withTimeout = (seconds: number, argv: Argv): Argv => [
  'timeout',
  '-k',
  '10',
  String(Math.max(1, Math.round(seconds))),
  ...argv,
];

/** One-off containers (`compose run`) of a service, running or not. */
export const oneOffContainers = (project: string, service: string): Argv => [
  'docker',
  'ps',
  '--all',
  '--quiet',
  '--no-trunc',
  '--filter',
  `label=com.docker.compose.project=${project}`,
  '--filter',
  `label=com.docker.compose.service=${service}`,
  '--filter',
  'label=com.docker.compose.oneoff=True',
];

/** Waits (bounded on the host) for containers to exit; prints their exit statuses. */
export const waitContainers = (seconds: number, ids: string[]): Argv =>
  withTimeout(seconds, ['docker', 'wait', ...ids]);

/** POSIX `df` of one path in KiB (the 4th column of the last line is what is available). */
export const freeKiB = (path: string): Argv => ['df', '-P', '-k', path];

export const removeTree = (...paths: string[]): Argv => ['rm', '-rf', '--', ...paths];
/** Removes files (never a folder); a missing one is fine. */
export const removeFiles = (...paths: string[]): Argv => ['rm', '-f', '--', ...paths];

/** Images with their repo digests: "<repo>@<digest> <id>" lines, for prune. */
export const listImages = (repository: string): Argv => [
  'docker',
  'image',
  'ls',
  '--digests',
  '--format',
  '{{.Repository}}@{{.Digest}}\t{{.ID}}',
  repository,
];
export const removeImage = (ref: string): Argv => ['docker', 'image', 'rm', ref];
/** The registry digests of a local image, one `repo@sha256:…` per line. */
export const repoDigests = (ref: string): Argv => [
  'docker',
  'image',
  'inspect',
  '--format',
  '{{range .RepoDigests}}{{.}}\n{{end}}',
  ref,
];
export const imageExists = (ref: string): Argv => ['docker', 'image', 'inspect', '--format', '{{.Id}}', ref];
export const pullImage = (ref: string): Argv => ['docker', 'pull', '--quiet', ref];

/**
 * The deploy lock's state machine, run on the host as one command under `flock` on
 * `<dir>.guard`, so that every check-and-write (acquire, stale takeover, heartbeat renew,
 * release, check) is atomic against every other ragship run on that host. The lock itself
 * stays where it always was: the folder `<dir>` (created with `mkdir`, which older ragship
 * versions also honour) holding `owner.json`, replaced whole with `mv` (readers never see a
 * half-written file). `$1` is the operation; the owner's token is only ever compared.
 *
 * stdout: `<state> <host now> <holder's expiresAt>` on the first line, then the holder's
 * owner.json (for held / lost / foreign / took-over). States: acquired, took-over, held,
 * renewed, mine, lost, released, foreign, absent.
 */
const LOCK_SCRIPT = `set -u
op=$1 dir=$2 token=$3 ttl=$4
umask 077
command -v flock >/dev/null 2>&1 || { echo "flock is missing on this host (util-linux or busybox provides it)" >&2; exit 3; }
exec 9>>"$dir.guard"
flock 9
now=$(date +%s)
owner="$dir/owner.json"
holder=$(cat "$owner" 2>/dev/null || true)
exp=$(printf '%s' "$holder" | sed -n 's/.*"expiresAt": *\\([0-9][0-9]*\\).*/\\1/p' | head -n 1)
if [ -d "$dir" ] && [ -z "$exp" ]; then exp=$(( $(stat -c %Y "$dir") + ttl )); fi
mine=no
case $holder in *"\\"token\\":\\"$token\\""*) [ -n "$token" ] && mine=yes ;; esac
say() { printf '%s %s %s\\n%s\\n' "$1" "$now" "\${exp:-0}" "$holder"; }
write_owner() {
  printf '%s\\n' "$1" > "$dir/.owner.json.$$" && mv -f "$dir/.owner.json.$$" "$owner" && return 0
  rm -f "$dir/.owner.json.$$"
  return 1
}
case $op in
acquire)
  head=$(cat)
  state=acquired
  if [ -d "$dir" ]; then
    if [ "$exp" -ge "$now" ]; then say held; exit 0; fi
    mv "$dir" "$dir.stale-$now-$$" && rm -rf "$dir.stale-$now-$$"
    state=took-over
  fi
  # A ragship older than the guard may have created it meanwhile: that is a held lock.
  if ! mkdir "$dir" 2>/dev/null; then [ -d "$dir" ] && { say held; exit 0; }; mkdir "$dir"; exit 4; fi
  if ! write_owner "$head,\\"acquiredAt\\":\\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\\",\\"expiresAt\\":$((now + ttl))}"; then
    rm -rf "$dir"
    echo "cannot write $owner (disk full?)" >&2
    exit 4
  fi
  say $state ;;
renew)
  if [ -d "$dir" ] && [ $mine = yes ]; then
    write_owner "$(printf '%s' "$holder" | sed "s/\\"expiresAt\\": *[0-9][0-9]*/\\"expiresAt\\":$((now + ttl))/")" || exit 4
    say renewed
  else say lost; fi ;;
check)
  if [ -d "$dir" ] && [ $mine = yes ]; then say mine; else say lost; fi ;;
release)
  if [ ! -d "$dir" ]; then say absent
  elif [ $mine = yes ]; then
    mv "$dir" "$dir.released-$now-$$" && rm -rf "$dir.released-$now-$$"
    say released
  else say foreign; fi ;;
*) echo "unknown lock operation $op" >&2; exit 2 ;;
esac
`;

export type LockOp = 'acquire' | 'renew' | 'check' | 'release';

/** One atomic lock operation on the host (the owner JSON head of `acquire` goes on stdin). */
export const lockOp = (op: LockOp, dir: string, token: string, ttlSeconds: number): Argv => [
  'sh',
  '-c',
  LOCK_SCRIPT,
  'ragship-lock',
  op,
  dir,
  token,
  String(Math.round(ttlSeconds)),
];

export const nvidiaSmiQuery: Argv = [
  'nvidia-smi',
  '--query-gpu=index,name,driver_version,memory.total,memory.used,memory.free',
  '--format=csv,noheader,nounits',
];
export const dockerRuntimes: Argv = ['docker', 'info', '--format', '{{json .Runtimes}}'];
export const homeDir: Argv = ['sh', '-c', 'printf %s "$HOME"'];
export const commandExists = (name: string): Argv => ['sh', '-c', 'command -v "$1"', 'sh', name];

// Stopping replaced containers in the background (stop-old.ts).

/**
 * `docker stop --time <grace>` then `docker rm`, detached from the SSH session (stdio closed,
 * SIGHUP ignored), so the exec returns at once and the stop outlives the connection. A marker
 * file per container in `markerDir` lives as long as the stop: the next switch waits for it
 * (compose must not see a container vanish under it).
 */
export function stopInBackground(ids: string[], graceSeconds: number, markerDir: string): Argv {
  return [
    'sh',
    '-c',
    'g=$1; d=$2; shift 2; mkdir -p "$d" && for i; do : > "$d/$i"; done; (trap "" HUP; docker stop --time "$g" "$@"; docker rm --force "$@"; for i; do rm -f "$d/$i"; done) </dev/null >/dev/null 2>&1 &',
    'sh',
    String(Math.round(graceSeconds)),
    markerDir,
    ...ids,
  ];
}

/** Ids with a stop marker in `markerDir` (none when it does not exist). */
export const stopMarkers = (markerDir: string): Argv => [
  'sh',
  '-c',
  'ls -1 "$1" 2>/dev/null; true',
  'sh',
  markerDir,
];

/** Drops the stop markers of `ids` (their stop finished or was forced). */
export const removeStopMarkers = (markerDir: string, ids: readonly string[]): Argv => [
  'rm',
  '-f',
  ...ids.map((id) => `${markerDir}/${id}`),
];

/** `<id>\t<status>\t<exit code>\t<oom killed>` per container that still exists. */
export const exitStates = (ids: string[]): Argv => [
  'docker',
  'inspect',
  '--format',
  '{{.Id}}\t{{.State.Status}}\t{{.State.ExitCode}}\t{{.State.OOMKilled}}',
  ...ids,
];

// Host-wide image retention (host-retention.ts says why it is host-wide).

/** Records this root in the host's list and writes what it retains (stdin: one image a line). */
export function publishRetained(root: string): Argv {
  return [
    'sh',
    '-c',
    [
      'set -e',
      'reg="$HOME/.ragship/deploy-roots"',
      'mkdir -p "$HOME/.ragship"',
      'touch "$reg"',
      'grep -qxF -- "$1" "$reg" || printf "%s\\n" "$1" >> "$reg"',
      't="$1/.retained-images.$$"',
      'cat > "$t"',
      'mv -f "$t" "$1/retained-images"',
    ].join('; '),
    'sh',
    root,
  ];
}

/**
 * Prints, for every other deploy root on the host, `@@retained <root>` then its retained
 * images, or `@@log <root>` then its release log when it has no retained-images file.
 */
export function readOtherRetained(root: string): Argv {
  return [
    'sh',
    '-c',
    [
      '{ cat "$HOME/.ragship/deploy-roots" 2>/dev/null; for d in "$HOME"/ragship/*/*; do printf "%s\\n" "$d"; done; }',
      '| sort -u | while IFS= read -r r; do',
      '[ -n "$r" ] && [ "$r" != "$1" ] || continue;',
      'if [ -f "$r/retained-images" ]; then echo "@@retained $r"; cat "$r/retained-images";',
      'elif [ -f "$r/releases.jsonl" ]; then echo "@@log $r"; cat "$r/releases.jsonl"; fi;',
      'done',
    ].join(' '),
    'sh',
    root,
  ];
}

// The release log (release-log-file.ts).

/**
 * Appends stdin to the release log, created 0640 in a deploy root closed to other users
 * (0750), whatever the host's umask: the log holds error text and migration output.
 */
export function appendReleaseLog(root: string): Argv {
  return [
    'sh',
    '-c',
    'umask 027; chmod 0750 "$1" && cat >> "$1/releases.jsonl" && chmod 0640 "$1/releases.jsonl"',
    'sh',
    root,
  ];
}

// Static files of a role (static.ts).

/** A container of the image that never starts (the command is not run): docker cp reads it. */
export const createForCopy = (image: string): Argv => [
  'docker',
  'create',
  '--label',
  'ragship.static-copy=1',
  image,
  'ragship-static-copy',
];

export const copyOut = (container: string, from: string, to: string): Argv => [
  'docker',
  'cp',
  `${container}:${from.replace(/\/+$/, '')}/.`,
  to,
];

/** Each file: copy to `<name>.ragship-tmp`, make it world-readable, rename over the old one. */
const PUT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
  'for f; do mkdir -p "$d/${f%/*}"; cp "$f" "$d/$f.ragship-tmp"; chmod 0644 "$d/$f.ragship-tmp"; mv -f "$d/$f.ragship-tmp" "$d/$f"; done';

/**
 * Publishes a release's files into the served folder. `assets`: every non-HTML file; `pages`:
 * the HTML files, then removes HTML files the release does not have.
 */
export function publishFiles(source: string, published: string, phase: 'assets' | 'pages'): Argv {
  const select = phase === 'assets' ? "! -name '*.html'" : "-name '*.html'";
  const stale =
    phase === 'pages'
      ? `; cd "$2"; find . -type f -name '*.html' -exec sh -c 'for f; do [ -e "$0/$f" ] || rm -f -- "$f"; done' "$1" {} +`
      : '';
  return [
    'sh',
    '-c',
    `set -e; mkdir -p "$2"; chmod 0755 "$2"; cd "$1"; find . -type f ${select} -exec sh -c 'set -e; d=$0; ${PUT}' "$2" {} +${stale}`,
    'sh',
    source,
    published,
  ];
}

/**
 * Removes published files that none of the kept release folders holds (and leftover temporary
 * files). With no kept folder it removes nothing.
 */
export function pruneFiles(published: string, keep: string[]): Argv {
  return [
    'sh',
    '-c',
    'set -e; d=$1; shift; [ $# -gt 0 ] && [ -d "$d" ] || exit 0; cd "$d"; ' +
      'find . -type f | while IFS= read -r f; do k=; for r; do if [ -e "$r/$f" ]; then k=1; break; fi; done; ' +
      '[ -n "$k" ] || { rm -f -- "$f"; echo "$f"; }; done',
    'sh',
    published,
    ...keep,
  ];
}
