import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 664;
export const ids = [664];
export const modules = {

/***/ 1664:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  releaseSavedLock: () => (/* binding */ releaseSavedLock),
  RM: () => (/* binding */ sameHost),
  WE: () => (/* binding */ takeEnvironmentLock)
});

// UNUSED EXPORTS: lockIdentity

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/core/validate.ts
var validate = __webpack_require__(993);
;// CONCATENATED MODULE: ./src/deploy/commands.ts
function compose(t, ...args) {
    const head = [...t.compose, '--project-name', t.project, '--project-directory', t.projectDir];
    if (t.envFile)
        head.push('--env-file', t.envFile);
    for (const f of t.files)
        head.push('--file', f);
    return [...head, ...args];
}
const pull = (t, services) => compose(t, 'pull', '--quiet', ...services);
/** The same pull, printing its layer/service progress (the deploy reads it: src/deploy/pull-progress.ts). */
const pullShowingProgress = (t, services) => compose(t, 'pull', ...services);
/** One-off run of the migrate service with the new image and env; dependencies are started. */
function migrate(t, service, command = []) {
    return compose(t, 'run', '--rm', '-T', service, ...command);
}
/**
 * One-off run of a service without its dependencies (GPU prefetch: download the model into the
 * cache volume with the new image while the old server still serves).
 */
function runOnce(t, service, command, entrypoint) {
    return compose(t, 'run', '--rm', '-T', '--no-deps', ...(entrypoint ? ['--entrypoint', entrypoint] : []), service, ...command);
}
/** Starts `services` (recreating only those whose config changed); never touches the others. */
const upServices = (t, services) => compose(t, 'up', '--detach', '--no-deps', ...services);
/** The scale-beside step: new containers next to the running ones, which are not recreated. */
function scaleBeside(t, service, total) {
    return compose(t, 'up', '--detach', '--no-deps', '--no-recreate', '--scale', `${service}=${total}`, service);
}
const recreate = (t, service) => compose(t, 'up', '--detach', '--no-deps', '--force-recreate', service);
/** Running containers of one compose service (ids). */
function serviceContainers(project, service, all = false) {
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
function inspectContainers(ids) {
    return [
        'docker',
        'inspect',
        '--format',
        '{{.Id}}\t{{.Name}}\t{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}\t{{if index .State "Health"}}{{.State.Health.Status}}{{else}}none{{end}}\t{{.State.Status}}\t{{.Image}}',
        ...ids,
    ];
}
const stopContainers = (ids, graceSeconds) => [
    'docker',
    'stop',
    '--time',
    String(Math.round(graceSeconds)),
    ...ids,
];
const removeContainers = (ids) => ['docker', 'rm', '--force', ...ids];
const containerLogs = (id, lines = 100) => [
    'docker',
    'logs',
    '--tail',
    String(lines),
    '--timestamps',
    id,
];
/** nginx validates the new config first, then reloads gracefully (old workers drain). */
const proxyTest = (container) => ['docker', 'exec', container, 'nginx', '-t', '-q'];
const proxyReload = (container) => [
    'docker',
    'exec',
    container,
    'nginx',
    '-s',
    'reload',
];
/** One HTTP probe from the host to a container address; stdout is the body. */
function httpGet(url, timeoutSeconds = 5) {
    return ['curl', '--fail', '--silent', '--show-error', '--max-time', String(timeoutSeconds), url];
}
function httpPostJson(url, body, timeoutSeconds = 60) {
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
const registryLogin = (server, username) => [
    'docker',
    'login',
    '--username',
    username,
    '--password-stdin',
    server,
];
const mkdirs = (...paths) => ['mkdir', '-p', ...paths];
/** Exit status 0 when `path` is a directory. */
const isDirectory = (path) => ['test', '-d', path];
/** Makes a tree readable (and its folders enterable) by everyone: nginx serves it. */
const makeReadable = (path) => ['chmod', '-R', 'a+rX', path];
/** Renames a folder onto a path that must not exist as a folder (`-T`: never moved inside it). */
const renameTree = (from, to) => ['mv', '-T', from, to];
/** Appends stdin to a file (one JSON line: O_APPEND keeps concurrent lines whole). */
const appendStdin = (path) => ['sh', '-c', 'cat >> "$1"', 'sh', path];
/** Copies a release's bind-mounted files into the stable project directory (`-p`: modes kept). */
const syncFiles = (fromDir, toDir) => [
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
const withTimeout = (seconds, argv) => [
    'timeout',
    '-k',
    '10',
    String(Math.max(1, Math.round(seconds))),
    ...argv,
];
/** One-off containers (`compose run`) of a service, running or not. */
const oneOffContainers = (project, service) => [
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
const waitContainers = (seconds, ids) => withTimeout(seconds, ['docker', 'wait', ...ids]);
/** POSIX `df` of one path in KiB (the 4th column of the last line is what is available). */
const freeKiB = (path) => ['df', '-P', '-k', path];
const removeTree = (...paths) => ['rm', '-rf', '--', ...paths];
/** Removes files (never a folder); a missing one is fine. */
const removeFiles = (...paths) => ['rm', '-f', '--', ...paths];
/** Images with their repo digests: "<repo>@<digest> <id>" lines, for prune. */
const listImages = (repository) => [
    'docker',
    'image',
    'ls',
    '--digests',
    '--format',
    '{{.Repository}}@{{.Digest}}\t{{.ID}}',
    repository,
];
const removeImage = (ref) => ['docker', 'image', 'rm', ref];
/** The registry digests of a local image, one `repo@sha256:…` per line. */
const repoDigests = (ref) => [
    'docker',
    'image',
    'inspect',
    '--format',
    '{{range .RepoDigests}}{{.}}\n{{end}}',
    ref,
];
const imageExists = (ref) => ['docker', 'image', 'inspect', '--format', '{{.Id}}', ref];
const pullImage = (ref) => ['docker', 'pull', '--quiet', ref];
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
/** One atomic lock operation on the host (the owner JSON head of `acquire` goes on stdin). */
const lockOp = (op, dir, token, ttlSeconds) => [
    'sh',
    '-c',
    LOCK_SCRIPT,
    'ragship-lock',
    op,
    dir,
    token,
    String(Math.round(ttlSeconds)),
];
const nvidiaSmiQuery = (/* unused pure expression or super */ null && ([
    'nvidia-smi',
    '--query-gpu=index,name,driver_version,memory.total,memory.used,memory.free',
    '--format=csv,noheader,nounits',
]));
const dockerRuntimes = (/* unused pure expression or super */ null && (['docker', 'info', '--format', '{{json .Runtimes}}']));
const homeDir = ['sh', '-c', 'printf %s "$HOME"'];
const commandExists = (name) => ['sh', '-c', 'command -v "$1"', 'sh', name];
// Stopping replaced containers in the background (stop-old.ts).
/**
 * `docker stop --time <grace>` then `docker rm`, detached from the SSH session (stdio closed,
 * SIGHUP ignored), so the exec returns at once and the stop outlives the connection. A marker
 * file per container in `markerDir` lives as long as the stop: the next switch waits for it
 * (compose must not see a container vanish under it).
 */
function stopInBackground(ids, graceSeconds, markerDir) {
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
const stopMarkers = (markerDir) => [
    'sh',
    '-c',
    'ls -1 "$1" 2>/dev/null; true',
    'sh',
    markerDir,
];
/** Drops the stop markers of `ids` (their stop finished or was forced). */
const removeStopMarkers = (markerDir, ids) => [
    'rm',
    '-f',
    ...ids.map((id) => `${markerDir}/${id}`),
];
/** `<id>\t<status>\t<exit code>\t<oom killed>` per container that still exists. */
const exitStates = (ids) => [
    'docker',
    'inspect',
    '--format',
    '{{.Id}}\t{{.State.Status}}\t{{.State.ExitCode}}\t{{.State.OOMKilled}}',
    ...ids,
];
// Host-wide image retention (host-retention.ts says why it is host-wide).
/** Records this root in the host's list and writes what it retains (stdin: one image a line). */
function publishRetained(root) {
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
function readOtherRetained(root) {
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
function appendReleaseLog(root) {
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
const createForCopy = (image) => [
    'docker',
    'create',
    '--label',
    'ragship.static-copy=1',
    image,
    'ragship-static-copy',
];
const copyOut = (container, from, to) => [
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
function publishFiles(source, published, phase) {
    const select = phase === 'assets' ? "! -name '*.html'" : "-name '*.html'";
    const stale = phase === 'pages'
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
function pruneFiles(published, keep) {
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

;// CONCATENATED MODULE: ./src/deploy/layout.ts

/**
 * The on-host layout of one app+environment, from its deploy root:
 *
 *   <root>/releases/<release id>/<role>/   rendered compose files, env files, manifest.json, files/
 *   <root>/shared/<role>/                  the compose project directory (stable across releases)
 *   <root>/releases.jsonl                  the release log (one JSON line per deploy or rollback)
 *   <root>/lock/                           the deploy lock (owner.json)
 *
 * Every path a deploy, rollback, sleep or status reads or writes on a host comes from here.
 */
class ReleaseLayout {
    root;
    app;
    environment;
    constructor(root, app, environment) {
        this.root = root;
        this.app = app;
        this.environment = environment;
    }
    get releases() {
        return posix.join(this.root, 'releases');
    }
    get shared() {
        return posix.join(this.root, 'shared');
    }
    get releaseLog() {
        return posix.join(this.root, 'releases.jsonl');
    }
    get lockDir() {
        return posix.join(this.root, 'lock');
    }
    /** A release's folder (all roles). */
    release(releaseId) {
        return posix.join(this.releases, releaseId);
    }
    releaseDir(releaseId, roleName) {
        return posix.join(this.releases, releaseId, roleName);
    }
    manifest(releaseId, roleName) {
        return posix.join(this.releaseDir(releaseId, roleName), 'manifest.json');
    }
    /** The compose project directory relative bind mounts resolve against. */
    projectDir(roleName) {
        return posix.join(this.shared, roleName);
    }
    /** The compose project name of a role. */
    project(roleName) {
        return `${this.app}-${this.environment}-${roleName}`;
    }
}
/** The deploy root: `environments.<env>.root`, else ~/ragship/<app>/<environment> of the deploy user. */
function deployRoot(o) {
    return o.root ?? external_node_path_.posix.join(o.home, 'ragship', o.app, o.environment);
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
;// CONCATENATED MODULE: ./src/deploy/lock.ts




const TOKEN = /^[a-f0-9]{8,64}$/;
/** Runs one atomic lock operation on the host (see lockOp). */
async function lockOperation(host, op, dir, token, ttlSeconds, input) {
    if (op !== 'acquire' && !TOKEN.test(token))
        throw new errors.UserError('deploy lock token', `"${token}" is not a lock token`, 'pass the token the lock step saved');
    const r = await host.exec(lockOp(op, dir, token, ttlSeconds), {
        allowFailure: true,
        input: input ?? '',
        timeoutMs: 120_000,
        where: `${host.label} deploy lock`,
    });
    if (r.code !== 0)
        throw new errors.UserError(host.label, `cannot ${op} the deploy lock ${dir}: ${r.stderr.trim() || `exit status ${r.code}`}`, r.code === 3
            ? 'install flock on the host (util-linux)'
            : 'check that the deploy root is writable and has free disk');
    const nl = r.stdout.indexOf('\n');
    const [state, now, expiresAt] = (nl < 0 ? r.stdout : r.stdout.slice(0, nl)).trim().split(' ');
    let holder;
    try {
        const raw = nl < 0 ? '' : r.stdout.slice(nl + 1).trim();
        holder = raw ? JSON.parse(raw) : undefined;
    }
    catch {
        holder = undefined;
    }
    return { state: state, now: Number(now), expiresAt: Number(expiresAt), holder };
}
async function readOwner(host, dir) {
    const raw = await host.readFile(posix.join(dir, 'owner.json'));
    if (!raw)
        return undefined;
    try {
        return JSON.parse(raw.toString('utf8'));
    }
    catch {
        return undefined;
    }
}
function describeOwner(o) {
    return o
        ? `run ${o.runId} by ${o.actor} since ${o.acquiredAt}${o.runUrl ? ` (${o.runUrl})` : ''}`
        : 'an unknown owner (no owner.json)';
}
/**
 * A deploy lock per app+environment on the primary host: the folder `<dir>` + owner.json.
 * Every check-and-write runs on the host as one command under `flock <dir>.guard` (lockOp),
 * so two runs can never both win it: not on a free lock, not on a stale one, and a heartbeat
 * or release never touches a lock that another run has taken over (the token must match).
 * A held lock is waited for (bounded) or reported with its holder; a lock past its TTL is
 * taken over with a warning. While held, a heartbeat extends the TTL so long GPU deploys are
 * not taken over; a heartbeat that finds the lock gone marks it lost, and assertHeld() — called
 * before anything changes what serves — then fails the run with the old release serving.
 */
class DeployLock {
    host;
    options;
    logger;
    owner;
    heartbeat;
    /** Set when a heartbeat or check found another owner (or no lock): the run must stop. */
    lostTo;
    constructor(host, options, logger) {
        this.host = host;
        this.options = options;
        this.logger = logger;
    }
    get token() {
        return this.owner?.token;
    }
    async acquire() {
        const { dir, ttlSeconds, waitSeconds } = this.options;
        const deadline = Date.now() + waitSeconds * 1000;
        let announced = false;
        for (;;) {
            const token = (0,external_node_crypto_.randomBytes)(12).toString('hex');
            const head = JSON.stringify({
                token,
                runId: this.options.runId,
                actor: this.options.actor,
                runUrl: this.options.runUrl,
            }).slice(0, -1);
            const r = await lockOperation(this.host, 'acquire', dir, token, ttlSeconds, head);
            if (r.state === 'acquired' || r.state === 'took-over') {
                if (r.state === 'took-over')
                    this.logger.warn(`${this.host.label}: taking over a stale deploy lock held by ${describeOwner(r.holder)}; it expired ${r.now - r.expiresAt} s ago`);
                this.owner = {
                    token,
                    runId: this.options.runId,
                    actor: this.options.actor,
                    runUrl: this.options.runUrl,
                    acquiredAt: new Date(r.now * 1000).toISOString(),
                    expiresAt: r.now + ttlSeconds,
                };
                this.lostTo = undefined;
                this.startHeartbeat();
                return this.owner;
            }
            if (r.state !== 'held')
                throw new Error(`deploy lock: unexpected state ${r.state}`);
            if (Date.now() >= deadline) {
                throw new errors.UserError('deploy lock', `${this.options.runId} cannot ${this.options.purpose ?? 'deploy'}: the environment is locked by ${describeOwner(r.holder)} until ${new Date(r.expiresAt * 1000).toISOString()}`, waitSeconds > 0
                    ? 'wait for that deploy to finish, or raise lock.wait'
                    : 'wait for that deploy to finish (or set lock.wait to queue); a killed deploy’s lock expires after lock.ttl');
            }
            if (!announced) {
                this.logger.info(`waiting up to ${waitSeconds} s for the deploy lock held by ${describeOwner(r.holder)}`);
                announced = true;
            }
            await new Promise((res) => setTimeout(res, this.options.pollMs ?? 2000));
        }
    }
    lose(holder) {
        if (this.heartbeat)
            clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        if (this.lostTo !== undefined)
            return;
        this.lostTo = holder ?? null;
        this.logger.warn(`${this.host.label}: this run lost the deploy lock${holder ? ` to ${describeOwner(holder)}` : ' (it was removed)'}; nothing more will be changed`);
    }
    startHeartbeat() {
        const every = Math.max(1000, (this.options.ttlSeconds * 1000) / 3);
        this.heartbeat = setInterval(() => {
            const token = this.owner?.token;
            if (!token)
                return;
            lockOperation(this.host, 'renew', this.options.dir, token, this.options.ttlSeconds)
                .then((r) => {
                if (this.owner?.token !== token)
                    return;
                if (r.state === 'renewed')
                    this.owner.expiresAt = r.now + this.options.ttlSeconds;
                else
                    this.lose(r.holder);
            })
                .catch((err) => this.logger.debug(`lock heartbeat: ${err.message}`));
        }, every);
        this.heartbeat.unref();
    }
    /**
     * Fails unless this run still holds the lock (checked on the host, atomically). Called
     * before every step that changes what serves, so a run that lost its lock (expired during
     * a network partition and taken over) stops with the old release serving.
     */
    async assertHeld() {
        const token = this.owner?.token;
        if (token && this.lostTo === undefined) {
            const r = await lockOperation(this.host, 'check', this.options.dir, token, this.options.ttlSeconds);
            if (r.state === 'mine')
                return;
            this.lose(r.holder);
        }
        throw new errors.UserError('deploy lock', `this run no longer holds the deploy lock${this.lostTo ? `: it is held by ${describeOwner(this.lostTo)}` : ''}; nothing was switched by this run after that`, 'raise lock.ttl above the longest pause a run can see (the lock expired and was taken over), then deploy again');
    }
    /** Releases the lock if (and only if) this run still owns it. */
    async release() {
        if (this.heartbeat)
            clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        const token = this.owner?.token;
        this.owner = undefined;
        if (!token)
            return false;
        return releaseLock(this.host, this.options.dir, token, this.logger);
    }
}
/** Used by release() and by the action's post step (which only has the token from state). */
async function releaseLock(host, dir, token, logger) {
    const r = await lockOperation(host, 'release', dir, token, 0);
    if (r.state === 'released') {
        logger.info(`${host.label}: deploy lock released`);
        return true;
    }
    if (r.state === 'foreign')
        logger.warn(`${host.label}: the deploy lock now belongs to ${describeOwner(r.holder)}; leaving it`);
    return false;
}

;// CONCATENATED MODULE: ./src/backup/env-lock.ts






const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const EXIT_CODE = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
/** Whether two host specs name the same account on the same machine. */
function sameHost(a, b) {
    if (!b)
        return false;
    const x = (0,validate/* parseHostSpec */.nn)(a, 'host');
    const y = (0,validate/* parseHostSpec */.nn)(b, 'host');
    return x.user === y.user && x.host === y.host && x.port === y.port;
}
/** Who the lock names: the workflow run, else the local user. */
function lockIdentity(what, env = process.env) {
    const runUrl = env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    let actor = env.GITHUB_ACTOR || '';
    if (!actor)
        try {
            actor = (0,external_node_os_.userInfo)().username;
        }
        catch {
            actor = 'unknown';
        }
    return { runId: `${what}${env.GITHUB_RUN_ID ? ` (run ${env.GITHUB_RUN_ID})` : ''}`, actor, runUrl };
}
/** The action's post step after a killed run: releases the lock it saved, if still this run's. */
async function releaseSavedLock(host, saved, logger) {
    return releaseLock(host, saved.dir, saved.token, logger);
}
/**
 * Takes the environment's deploy lock on `host` (the primary host) for `what` (e.g. "backup
 * 20260101T…"): waits up to the config's lock.wait, else fails with the deploy lock's own error
 * naming the holder. While held, a SIGINT/SIGTERM/SIGHUP releases it and exits with the
 * signal's code — unless `deferSignal()` says another handler (the backup's stopped-Chroma
 * guard, which restarts Chroma first) owns the signal; that handler then calls release().
 */
async function takeEnvironmentLock(host, target, what, logger, o = {}) {
    const home = (await host.exec(homeDir, { where: `${host.label} home` })).stdout.trim();
    const root = deployRoot({ root: target.root, app: target.app, environment: target.environment, home });
    const dir = external_node_path_.posix.join(root, 'lock');
    // The lock's guard file sits beside it: on a host where ragship never deployed this
    // environment (Chroma started by hand or by compose), the root does not exist yet.
    await host.exec(mkdirs(root), { where: `${host.label} ${root}` });
    const lock = new DeployLock(host, {
        dir,
        ttlSeconds: target.ttlSeconds,
        waitSeconds: target.waitSeconds,
        ...lockIdentity(what),
        purpose: what.split(' ')[0],
    }, logger);
    await lock.acquire();
    const token = lock.token;
    logger.info(`${host.label}: holding the deploy lock of ${target.app}/${target.environment} for ${what}`);
    o.onLocked?.({ host: host.label, dir, token });
    let released;
    const release = () => {
        released ??= (async () => {
            for (const s of SIGNALS)
                process.off(s, onSignal);
            await lock.release().catch((err) => {
                logger.warn(`${host.label}: could not release the deploy lock ${dir} (${err.message}); it expires after ${target.ttlSeconds} s or with \`ragship lock release\``);
            });
            o.onLocked?.(undefined);
        })();
        return released;
    };
    const onSignal = (sig) => {
        if (o.deferSignal?.())
            return;
        logger.warn(`${what} cancelled (${sig}): releasing the deploy lock`);
        void release().finally(() => process.exit(EXIT_CODE[sig]));
    };
    for (const s of SIGNALS)
        process.on(s, onSignal);
    return { host: host.label, dir, token, release };
}


/***/ })

};
