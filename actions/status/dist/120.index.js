import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 120;
export const ids = [120];
export const modules = {

/***/ 8557:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   p: () => (/* binding */ Report)
/* harmony export */ });
/**
 * A small Markdown builder for job summaries and PR comments. The core produces
 * Markdown; the Actions adapter writes it to GITHUB_STEP_SUMMARY, the CLI prints it.
 */
class Report {
    parts = [];
    heading(text, level = 2) {
        this.parts.push(`${'#'.repeat(level)} ${text}`);
        return this;
    }
    text(text) {
        this.parts.push(text);
        return this;
    }
    list(items) {
        this.parts.push(items.map((i) => `- ${i}`).join('\n'));
        return this;
    }
    table(header, rows) {
        const esc = (c) => String(c).replace(/\|/g, '\\|').replace(/\n/g, '<br>');
        this.parts.push([
            `| ${header.map(esc).join(' | ')} |`,
            `| ${header.map(() => '---').join(' | ')} |`,
            ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
        ].join('\n'));
        return this;
    }
    code(text, lang = '') {
        const fence = text.includes('```') ? '~~~~' : '```';
        this.parts.push(`${fence}${lang}\n${text.trimEnd()}\n${fence}`);
        return this;
    }
    details(summary, body) {
        this.parts.push(`<details><summary>${summary}</summary>\n\n${body}\n\n</details>`);
        return this;
    }
    toString() {
        return `${this.parts.join('\n\n')}\n`;
    }
}


/***/ }),

/***/ 9353:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hm: () => (/* binding */ nvidiaSmiQuery),
/* harmony export */   Nc: () => (/* binding */ mkdirs),
/* harmony export */   Ys: () => (/* binding */ commandExists),
/* harmony export */   j8: () => (/* binding */ registryLogin),
/* harmony export */   lw: () => (/* binding */ homeDir),
/* harmony export */   wh: () => (/* binding */ dockerRuntimes)
/* harmony export */ });
/* unused harmony exports compose, pull, pullShowingProgress, migrate, runOnce, upServices, scaleBeside, recreate, serviceContainers, inspectContainers, stopContainers, removeContainers, containerLogs, proxyTest, proxyReload, httpGet, httpPostJson, isDirectory, makeReadable, renameTree, appendStdin, syncFiles, withTimeout, oneOffContainers, waitContainers, freeKiB, removeTree, removeFiles, listImages, removeImage, repoDigests, imageExists, pullImage, lockOp, stopInBackground, stopMarkers, removeStopMarkers, exitStates, publishRetained, readOtherRetained, appendReleaseLog, createForCopy, copyOut, publishFiles, pruneFiles */
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
const LOCK_SCRIPT = (/* unused pure expression or super */ null && (`set -u
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
`));
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
const nvidiaSmiQuery = [
    'nvidia-smi',
    '--query-gpu=index,name,driver_version,memory.total,memory.used,memory.free',
    '--format=csv,noheader,nounits',
];
const dockerRuntimes = ['docker', 'info', '--format', '{{json .Runtimes}}'];
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


/***/ }),

/***/ 369:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Qi: () => (/* binding */ parseNvidiaSmi),
/* harmony export */   Uv: () => (/* binding */ gpuPreflight)
/* harmony export */ });
/* unused harmony exports checkVram, hasNvidiaRuntime */
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9353);


function parseNvidiaSmi(code, stdout, stderr) {
    const text = `${stdout}\n${stderr}`;
    if (code === 127 || (/command not found|not found/i.test(stderr) && !stdout.trim())) {
        return {
            ok: false,
            problem: 'nvidia-smi is not installed: no NVIDIA driver on this host',
            fix: 'install the NVIDIA driver (ragship provision --gpu) or move the GPU role to a GPU host',
        };
    }
    if (/Driver\/library version mismatch/i.test(text)) {
        const lib = /NVML library version:\s*([0-9.]+)/.exec(text)?.[1];
        return {
            ok: false,
            problem: `the NVIDIA kernel driver and user-space library versions differ${lib ? ` (library ${lib})` : ''} — typically after a driver upgrade without reboot`,
            fix: 'reboot the host (or reload the nvidia kernel modules) so the driver matches the library',
        };
    }
    if (/couldn't communicate with the NVIDIA driver|NVIDIA driver is not loaded/i.test(text)) {
        return {
            ok: false,
            problem: 'nvidia-smi cannot talk to the NVIDIA driver (not loaded)',
            fix: 'install/load the NVIDIA driver and reboot',
        };
    }
    if (/No devices were found/i.test(text)) {
        return {
            ok: false,
            problem: 'the driver is loaded but no GPU was found',
            fix: 'check that the GPU is attached to this machine (cloud instance type, PCI passthrough)',
        };
    }
    if (code !== 0) {
        return {
            ok: false,
            problem: `nvidia-smi failed with status ${code}: ${text.trim().split('\n')[0]}`,
            fix: 'run nvidia-smi on the host and fix what it reports',
        };
    }
    const gpus = [];
    for (const line of stdout.split('\n')) {
        if (!line.trim())
            continue;
        const cells = line.split(',').map((c) => c.trim());
        if (cells.length < 6)
            return { ok: false, problem: `unexpected nvidia-smi output: ${line}`, fix: 'update the NVIDIA driver' };
        const [index, name, driver, total, used, free] = cells;
        const num = (v) => (/^[0-9]+$/.test(v) ? Number(v) : Number.NaN);
        gpus.push({
            index: num(index),
            name,
            driver,
            totalMiB: num(total),
            usedMiB: num(used),
            freeMiB: num(free),
        });
    }
    if (gpus.length === 0)
        return { ok: false, problem: 'nvidia-smi listed no GPU', fix: 'check that the GPU is attached' };
    return { ok: true, gpus };
}
function checkVram(gpus, need) {
    const best = gpus.reduce((a, b) => (b.freeMiB > a.freeMiB ? b : a));
    if (!(best.freeMiB >= need.minFreeVramMiB)) {
        return {
            ok: false,
            message: `the GPU with the most free memory (#${best.index} ${best.name}) has ${best.freeMiB} MiB free of ${best.totalMiB} MiB; the role needs ${need.minFreeVramMiB} MiB (another process holds ${best.usedMiB} MiB)`,
        };
    }
    return {
        ok: true,
        message: `GPU #${best.index} ${best.name}: ${best.freeMiB} MiB free (driver ${best.driver})`,
    };
}
/** `docker info --format '{{json .Runtimes}}'` must list an nvidia runtime (NVIDIA Container Toolkit). */
function hasNvidiaRuntime(runtimesJson) {
    try {
        const r = JSON.parse(runtimesJson);
        return Object.keys(r).some((k) => k.startsWith('nvidia'));
    }
    catch {
        return false;
    }
}
async function gpuPreflight(host, need, logger) {
    const smi = await host.exec(_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .nvidiaSmiQuery */ .Hm, { allowFailure: true });
    const verdict = parseNvidiaSmi(smi.code, smi.stdout, smi.stderr);
    if (!verdict.ok)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(`${host.label} GPU preflight`, verdict.problem, verdict.fix);
    const runtimes = await host.exec(_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .dockerRuntimes */ .wh, { allowFailure: true });
    if (!hasNvidiaRuntime(runtimes.stdout)) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(`${host.label} GPU preflight`, 'Docker has no nvidia runtime: the NVIDIA Container Toolkit is not configured', 'install nvidia-container-toolkit and run `nvidia-ctk runtime configure --runtime=docker`, then restart docker');
    }
    const vram = checkVram(verdict.gpus, need);
    if (!vram.ok)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(`${host.label} GPU preflight`, vram.message, 'stop the process holding GPU memory, or lower gpu.minFreeVramMiB / --gpu-memory-utilization');
    logger.info(`${host.label}: ${vram.message}`);
    return verdict.gpus;
}


/***/ }),

/***/ 681:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   G6: () => (/* binding */ activeRelease),
/* harmony export */   Jo: () => (/* binding */ parseReleaseLog),
/* harmony export */   Uc: () => (/* binding */ releaseFolder)
/* harmony export */ });
/* unused harmony exports sinceRemoved, resolveTarget, retainedImages, newReleaseId */
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);

function parseReleaseLog(text) {
    const out = [];
    for (const line of text.split('\n')) {
        if (!line.trim())
            continue;
        try {
            out.push(JSON.parse(line));
        }
        catch {
            // A torn last line (host lost power mid-append) must not hide the rest.
        }
    }
    return out;
}
/** The release folder a record runs from: a rollback re-applies its source's folder. */
function releaseFolder(r) {
    return r.kind === 'rollback' && r.source ? r.source : r.id;
}
/**
 * Records since the environment was last removed as a whole (`ragship remove` without --role):
 * what was deployed before that no longer exists on the hosts.
 */
function sinceRemoved(records) {
    for (let i = records.length - 1; i >= 0; i--)
        if (records[i].kind === 'remove' && !records[i].roles?.length)
            return records.slice(i + 1);
    return records;
}
/** The release serving now: the last successful one (none after the environment was removed). */
function activeRelease(records) {
    return sinceRemoved(records)
        .filter((r) => r.result === 'success')
        .at(-1);
}
/**
 * `previous` = the last successful release before the active one whose content differs
 * (after a rollback to A, previous goes to the release the rollback left).
 */
function resolveTarget(all, to) {
    const records = sinceRemoved(all);
    const ok = records.filter((r) => r.result === 'success');
    const active = ok.at(-1);
    const listing = () => ok
        .slice(-10)
        .reverse()
        .map((r) => `${r.id} (${r.image})`)
        .join(', ') || 'none';
    if (!active)
        throw new UserError('to', 'there is no successful release on this environment', 'deploy first');
    if (to === 'previous') {
        const candidates = ok.slice(0, -1).reverse();
        const target = candidates.find((r) => r.image !== active.image || envDiffers(r, active) || r.composeHash !== active.composeHash);
        if (!target)
            throw new UserError('to', `no earlier successful release than the active ${active.id}`, `releases that can be used: ${listing()}`);
        return target;
    }
    const byId = records.find((r) => r.id === to);
    if (byId) {
        if (byId.result !== 'success')
            throw new ConfigError('to', `release ${to} failed (${byId.error ?? 'no detail'}) and cannot be rolled back to`, `use one of: ${listing()}`);
        return byId;
    }
    const byImage = ok
        .filter((r) => r.image === to || r.image.endsWith(`@${to}`) || r.image.split('@')[0]?.endsWith(`:${to}`))
        .at(-1);
    if (byImage)
        return byImage;
    throw new ConfigError('to', `${JSON.stringify(to)} is not a release id, tag or digest recorded on this environment`, `use previous or one of: ${listing()}`);
}
/** Digests of images the last `retain` successful releases use (never pruned). */
function retainedImages(records, retain) {
    const keep = new Set();
    for (const r of records.filter((x) => x.result === 'success').slice(-retain))
        for (const img of Object.values(r.images))
            keep.add(img);
    return keep;
}
function newReleaseId(now, sha) {
    const stamp = now
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.[0-9]+Z$/, 'Z');
    const suffix = sha ? sha.slice(0, 7).toLowerCase() : Math.random().toString(36).slice(2, 9);
    return `${stamp}-${suffix}`;
}
/**
 * Whether two releases ran with different env. Hashes of two schemes (plain SHA-256 before the
 * keyed `hmac-sha256:` one) never match, so across the upgrade they say nothing: not a difference,
 * or the first rollback after it would pick a release identical to the active one.
 */
function envDiffers(a, b) {
    const scheme = (h) => (h.startsWith('hmac-sha256:') ? 'hmac' : 'sha256');
    return scheme(a.envHash) === scheme(b.envHash) && a.envHash !== b.envHash;
}


/***/ }),

/***/ 5852:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Jl: () => (/* binding */ imageRepoDigests),
/* harmony export */   U1: () => (/* binding */ dirExists),
/* harmony export */   Xu: () => (/* binding */ inspectContainers),
/* harmony export */   an: () => (/* binding */ projectContainers),
/* harmony export */   b_: () => (/* binding */ FIELD),
/* harmony export */   g0: () => (/* binding */ diskFree),
/* harmony export */   j0: () => (/* binding */ hostClock)
/* harmony export */ });
/* unused harmony exports INSPECT_FORMAT, runningStates, containerLogs, runOneOff, runOneOffInteractive, execInContainerInteractive, execInContainer, composeDown, labelledContainers, labelledNetworks, labelledVolumes, removeContainersForce, removeNetworks, removeVolumes, removeRoleFolders, removeEnvironmentFolders */

/**
 * The remote commands of the day-2 verbs (status, logs, exec), as data. Nothing here runs
 * anything: unit tests assert the exact argv, integration tests run them on real hosts.
 */
/** Long-running containers of a compose project (one-off `run` containers excluded), ids. */
function projectContainers(project, service) {
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
const FIELD = '\t';
/**
 * One line per container. The release id comes from the container's RAGSHIP_RELEASE only:
 * the other env values (secrets) never leave the host.
 */
const INSPECT_FORMAT = [
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
const inspectContainers = (ids) => [
    'docker',
    'inspect',
    '--format',
    INSPECT_FORMAT,
    ...ids,
];
/** "<image id>\t<repo digest> <repo digest> …" per image. */
const imageRepoDigests = (imageIds) => [
    'docker',
    'image',
    'inspect',
    '--format',
    `{{.Id}}${FIELD}{{range .RepoDigests}}{{.}} {{end}}`,
    ...imageIds,
];
/** `true`/`false` per container, in the order of `ids` (exec --in-running picks a running one). */
const runningStates = (ids) => [
    'docker',
    'inspect',
    '--format',
    '{{.State.Running}}',
    ...ids,
];
/** Host clock (epoch seconds): uptimes are computed against the host, not the laptop. */
const hostClock = ['date', '-u', '+%s'];
/** POSIX df of the deploy root: available KiB is the 4th field of the 2nd line. */
const diskFree = (path) => ['df', '-P', '-k', path];
/** Whether the lock directory exists (the owner file may be written a moment later). */
const dirExists = (path) => ['test', '-d', path];
/** docker logs of one container: stdout and stderr stay apart, timestamps on. */
function containerLogs(id, o) {
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
function runOneOff(t, service, argv) {
    return compose(t, 'run', '--rm', '--no-deps', '-T', service, ...argv);
}
/**
 * The one-off run of `ragship exec -i/-it`: stdin attached (compose run attaches it), and with a
 * terminal (`-t`) no -T, so compose allocates a TTY in the container.
 */
function runOneOffInteractive(t, service, argv, tty) {
    return compose(t, 'run', '--rm', '--no-deps', ...(tty ? [] : ['-T']), service, ...argv);
}
/** `docker exec -i [-t]` into a running container (`--in-running -i/-it`). */
const execInContainerInteractive = (id, argv, tty) => [
    'docker',
    'exec',
    '-i',
    ...(tty ? ['-t'] : []),
    id,
    ...argv,
];
/** argv inside an already running container (`--in-running`). */
const execInContainer = (id, argv) => ['docker', 'exec', id, ...argv];
/** `ragship remove`: the project down with its files; volumes only when asked. */
const composeDown = (t, volumes) => compose(t, 'down', '--remove-orphans', '--timeout', '30', ...(volumes ? ['--volumes'] : []));
const projectLabel = (project) => `label=com.docker.compose.project=${project}`;
/** Every container of a compose project, one-off `run` containers included (ids). */
const labelledContainers = (project) => [
    'docker',
    'ps',
    '--all',
    '--quiet',
    '--no-trunc',
    '--filter',
    projectLabel(project),
];
const labelledNetworks = (project) => [
    'docker',
    'network',
    'ls',
    '--quiet',
    '--filter',
    projectLabel(project),
];
/** Named volumes of a compose project (names). */
const labelledVolumes = (project) => [
    'docker',
    'volume',
    'ls',
    '--quiet',
    '--filter',
    projectLabel(project),
];
const removeContainersForce = (ids) => [
    'docker',
    'rm',
    '--force',
    '--volumes',
    ...ids,
];
const removeNetworks = (ids) => ['docker', 'network', 'rm', ...ids];
const removeVolumes = (names) => ['docker', 'volume', 'rm', ...names];
/**
 * A role's files under the deploy root: its folder in every release and its shared project
 * folder (bind-mounted files, published static pages). Root and role travel as arguments.
 */
const removeRoleFolders = (root, role) => [
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
const removeEnvironmentFolders = (root) => [
    'rm',
    '-rf',
    '--',
    `${root}/releases`,
    `${root}/shared`,
    `${root}/retained-images`,
];


/***/ }),

/***/ 2564:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  I5: () => (/* binding */ DeployedEnvironment),
  bA: () => (/* binding */ shortHost)
});

// UNUSED EXPORTS: envValues

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/deploy/release-log.ts
var release_log = __webpack_require__(681);
// EXTERNAL MODULE: ./src/config/load.ts + 20 modules
var load = __webpack_require__(811);
// EXTERNAL MODULE: ./src/core/remote-host.ts + 7 modules
var remote_host = __webpack_require__(2855);
// EXTERNAL MODULE: ./src/core/ssh-proxy.ts
var ssh_proxy = __webpack_require__(5828);
// EXTERNAL MODULE: ./src/core/validate.ts
var validate = __webpack_require__(993);
;// CONCATENATED MODULE: ./src/preflight/host-check.ts

/** Detects compose v2 (`docker compose`) first, then v1 (`docker-compose`). */
async function detectCompose(host) {
    const v2 = await host.exec(['docker', 'compose', 'version', '--short'], { allowFailure: true });
    if (v2.code === 0 && v2.stdout.trim())
        return { compose: ['docker', 'compose'], version: v2.stdout.trim() };
    const v1 = await host.exec(['docker-compose', 'version', '--short'], { allowFailure: true });
    if (v1.code === 0 && v1.stdout.trim())
        return { compose: ['docker-compose'], version: v1.stdout.trim() };
    throw new errors/* UserError */.yo(host.label, 'neither `docker compose` (v2) nor `docker-compose` (v1) works', 'install the docker compose plugin (ragship provision does it)');
}
async function freeDiskBytes(host, path) {
    // df -P: portable one-line output; column 4 is available 1K-blocks.
    const df = ['df', '-P', '-k', path];
    const out = await host.exec(df, { where: `${host.label} disk check` });
    const line = out.stdout.trim().split('\n').pop() ?? '';
    const kb = Number(line.split(/\s+/)[3]);
    if (!Number.isFinite(kb))
        throw new Error(`unexpected df output: ${line}`);
    return kb * 1024;
}
/** Facts every deploy needs before it touches anything. */
async function checkHost(host, logger, diskPath = '.') {
    const docker = await host.exec(['docker', 'version', '--format', '{{.Server.Version}}'], {
        allowFailure: true,
    });
    if (docker.code !== 0) {
        throw new errors/* UserError */.yo(host.label, `docker does not answer for this user: ${docker.stderr.trim().split('\n').pop()}`, 'install Docker and add the deploy user to the docker group');
    }
    const { compose, version } = await detectCompose(host);
    const free = await freeDiskBytes(host, diskPath);
    logger.info(`${host.label}: docker ${docker.stdout.trim()}, ${compose.join(' ')} ${version}, ${(free / 2 ** 30).toFixed(1)} GiB free`);
    return {
        host: host.label,
        dockerVersion: docker.stdout.trim(),
        compose,
        composeVersion: version,
        freeDiskBytes: free,
    };
}

// EXTERNAL MODULE: ./src/deploy/commands.ts
var commands = __webpack_require__(9353);
// EXTERNAL MODULE: ./src/deploy/gpu.ts
var gpu = __webpack_require__(369);
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
        return external_node_path_.posix.join(this.root, 'releases');
    }
    get shared() {
        return external_node_path_.posix.join(this.root, 'shared');
    }
    get releaseLog() {
        return external_node_path_.posix.join(this.root, 'releases.jsonl');
    }
    get lockDir() {
        return external_node_path_.posix.join(this.root, 'lock');
    }
    /** A release's folder (all roles). */
    release(releaseId) {
        return external_node_path_.posix.join(this.releases, releaseId);
    }
    releaseDir(releaseId, roleName) {
        return external_node_path_.posix.join(this.releases, releaseId, roleName);
    }
    manifest(releaseId, roleName) {
        return external_node_path_.posix.join(this.releaseDir(releaseId, roleName), 'manifest.json');
    }
    /** The compose project directory relative bind mounts resolve against. */
    projectDir(roleName) {
        return external_node_path_.posix.join(this.shared, roleName);
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

;// CONCATENATED MODULE: ./src/deploy/session.ts











/**
 * Masks every value of the deploy's env in the logs and refuses a deploy that lacks one the
 * environment's `requiredEnv` names (before anything connects).
 */
function admitEnv(s, env, logger) {
    for (const v of Object.values(env))
        logger.setSecret(v);
    for (const k of s.env.requiredEnv)
        if (!(k in env))
            throw new UserError(`env ${k}`, 'is required by ragship.yml (requiredEnv) but was not given', `add ${k}=… to the env input`);
}
/** The hosts of one environment: validated specs, one connection each, deploy roots. */
class EnvSession {
    inputs;
    ports;
    env;
    hosts = new Map();
    roles;
    constructor(inputs, ports) {
        this.inputs = inputs;
        this.ports = ports;
        this.env = (0,load/* environmentOf */.p7)(inputs.config, inputs.environment);
        this.roles = Object.entries(this.env.roles);
        const jump = (0,ssh_proxy/* jumpOptions */["do"])({
            flag: inputs.sshProxy,
            environment: this.env.ssh?.proxy,
            global: inputs.config.ssh?.proxy,
            environmentName: inputs.environment,
        }, {
            privateKey: inputs.sshPrivateKey,
            hostKeys: { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints },
            connectTimeoutMs: inputs.connectTimeoutMs ?? 15_000,
        });
        // Every host spec is validated before any connection is opened.
        for (const [roleName, role] of this.roles) {
            role.hosts.forEach((h, i) => {
                const spec = (0,validate/* parseHostSpec */.nn)(h, `environments.${inputs.environment}.roles.${roleName}.hosts[${i}]`);
                const key = `${spec.user}@${spec.host}:${spec.port}`;
                if (this.hosts.has(key))
                    return;
                const options = {
                    ...spec,
                    privateKey: inputs.sshPrivateKey,
                    hostKeys: { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints },
                    connectTimeoutMs: inputs.connectTimeoutMs ?? 15_000,
                    logger: ports.logger,
                    label: key,
                    jump,
                };
                const host = ports.connect ? ports.connect(spec, options) : new remote_host/* RemoteHost */.p(options);
                this.hosts.set(key, { key, spec, host, compose: [], root: '' });
            });
        }
    }
    get app() {
        return this.inputs.config.app;
    }
    roleHosts(roleName) {
        const role = this.env.roles[roleName];
        return role.hosts.map((h) => {
            const s = (0,validate/* parseHostSpec */.nn)(h, roleName);
            return this.hosts.get(`${s.user}@${s.host}:${s.port}`);
        });
    }
    /** The first host of the first role holds the lock and is the release log of record. */
    get primary() {
        return this.hosts.values().next().value;
    }
    /** The on-host paths of this environment on `h` (its root resolved by `resolveRoot`). */
    layout(h) {
        return new ReleaseLayout(h.root, this.app, this.inputs.environment);
    }
    /**
     * Resolves the deploy root of `h` once (the deploy user's home decides the default): the one
     * place it is computed, for deploy, rollback, releases, sleep and status alike.
     */
    async resolveRoot(h) {
        if (!h.root) {
            const home = (await h.host.exec(commands/* homeDir */.lw, { where: `${h.key} home` })).stdout.trim();
            h.root = deployRoot({ root: this.env.root, app: this.app, environment: this.inputs.environment, home });
        }
        return this.layout(h);
    }
    project(roleName) {
        return `${this.app}-${this.inputs.environment}-${roleName}`;
    }
    releaseDir(h, releaseId, roleName) {
        return this.layout(h).releaseDir(releaseId, roleName);
    }
    projectDir(h, roleName) {
        return this.layout(h).projectDir(roleName);
    }
    target(h, roleName, releaseId, composeFiles) {
        const dir = this.releaseDir(h, releaseId, roleName);
        return {
            compose: h.compose,
            project: this.project(roleName),
            projectDir: this.projectDir(h, roleName),
            files: [...composeFiles.map((f) => external_node_path_.posix.join(dir, f)), external_node_path_.posix.join(dir, 'env.yaml')],
            envFile: external_node_path_.posix.join(dir, 'compose.env'),
        };
    }
    /** Target of a release already on the host, from its manifest. */
    async recordedTarget(h, roleName, releaseId) {
        return (await this.recordedRelease(h, roleName, releaseId))?.target;
    }
    async recordedRelease(h, roleName, releaseId) {
        const raw = await h.host.readFile(this.layout(h).manifest(releaseId, roleName));
        if (!raw)
            return undefined;
        const manifest = JSON.parse(raw.toString('utf8'));
        return { target: this.target(h, roleName, releaseId, manifest.composeFiles), manifest };
    }
    /** Preflight of every host in parallel: key, docker, compose, disk, curl, GPU, registry. */
    async preflight() {
        const results = await Promise.allSettled([...this.hosts.values()].map((h) => this.ports.logger.group(`preflight ${h.key}`, async () => {
            const roles = this.roles.filter(([n]) => this.roleHosts(n).includes(h)).map(([, r]) => r);
            const layout = await this.resolveRoot(h);
            await h.host.exec((0,commands/* mkdirs */.Nc)(layout.root, layout.releases, layout.shared));
            const facts = await checkHost(h.host, this.ports.logger, h.root);
            h.compose = facts.compose;
            const floor = Math.max(...roles.map((r) => r.minFreeDiskGiB + (r.gpu?.minDiskGiB ?? 0)));
            if (facts.freeDiskBytes < floor * 2 ** 30) {
                throw new errors/* UserError */.yo(`${h.key} preflight`, `only ${(facts.freeDiskBytes / 2 ** 30).toFixed(1)} GiB free under ${h.root}; the roles need ${floor} GiB`, 'free disk space (prune old images) or lower minFreeDiskGiB');
            }
            if ((await h.host.exec((0,commands/* commandExists */.Ys)('curl'), { allowFailure: true })).code !== 0) {
                throw new errors/* UserError */.yo(`${h.key} preflight`, 'curl is missing (the health gate probes containers with it)', 'install curl on the host');
            }
            for (const r of roles)
                if (r.gpu?.check)
                    await (0,gpu/* gpuPreflight */.Uv)(h.host, { minFreeVramMiB: r.gpu.minFreeVramMiB }, this.ports.logger);
            await this.login(h);
        })));
        const failed = results.filter((r) => r.status === 'rejected');
        if (failed.length) {
            if (failed.length === 1)
                throw failed[0].reason;
            throw new errors/* UserError */.yo('preflight', `${failed.length} hosts failed:\n${failed.map((f) => (0,errors/* errorMessage */.gJ)(f.reason)).join('\n')}`, 'fix the hosts above; nothing was changed');
        }
    }
    async login(h) {
        const reg = this.inputs.config.registry;
        if (reg?.tunnel) {
            const port = Number(reg.server.split(':')[1]);
            await h.host.forwardRemotePort(port, { host: 'localhost', port });
            this.ports.logger.info(`${h.key}: registry ${reg.server} reachable from the host through the SSH tunnel`);
        }
        const user = this.inputs.registryUsername || reg?.username;
        if (!reg || !user || !this.inputs.registryPassword)
            return;
        await h.host.exec((0,commands/* registryLogin */.j8)(reg.server, user), {
            input: this.inputs.registryPassword,
            where: `${h.key} registry login to ${reg.server}`,
        });
    }
    async readReleases(h = this.primary) {
        const raw = await h.host.readFile(this.layout(h).releaseLog);
        return raw ? (0,release_log/* parseReleaseLog */.Jo)(raw.toString('utf8')) : [];
    }
    connectionsPerHost() {
        return Object.fromEntries([...this.hosts.values()].map((h) => [h.key, h.host.connectionsOpened ?? 0]));
    }
    close() {
        for (const h of this.hosts.values())
            h.host.close();
    }
}

;// CONCATENATED MODULE: ./src/operate/environment.ts






/** Host name for prefixes and tables: `host` or `host:port` when the port is not 22. */
function shortHost(h) {
    return h.spec.port === 22 ? h.spec.host : `${h.spec.host}:${h.spec.port}`;
}
function hostMatches(h, wanted) {
    const { user, host, port } = h.spec;
    return [host, `${host}:${port}`, `${user}@${host}`, `${user}@${host}:${port}`, h.key].includes(wanted);
}
/**
 * A deployed environment as the day-2 verbs see it: the deploy's session (one SSH connection
 * per host), the deploy roots resolved on the hosts, and the release log of record (primary
 * host). Read-only: nothing here changes a host.
 */
class DeployedEnvironment {
    s;
    records = [];
    composeOf = new Map();
    constructor(inputs, ports) {
        this.s = new EnvSession(inputs, ports);
    }
    get active() {
        return (0,release_log/* activeRelease */.G6)(this.records);
    }
    /** Roles picked by --role (every role when absent). */
    roles(role) {
        if (!role)
            return this.s.roles;
        const found = this.s.roles.filter(([n]) => n === role);
        if (!found.length)
            throw new errors/* ConfigError */.xL('--role', `${JSON.stringify(role)} is not a role of environment ${this.s.inputs.environment}`, `use one of: ${this.s.roles.map(([n]) => n).join(', ')}`);
        return found;
    }
    /** The single role a one-off command runs in: --role, or the environment's only role. */
    oneRole(role) {
        const roles = this.roles(role);
        if (roles.length > 1)
            throw new errors/* ConfigError */.xL('--role', `environment ${this.s.inputs.environment} has ${roles.length} roles`, `pick one with --role (${roles.map(([n]) => n).join(', ')})`);
        return roles[0];
    }
    /** Hosts of a role picked by --host (every host of the role when absent). */
    hosts(roleName, host) {
        const all = this.s.roleHosts(roleName);
        if (!host)
            return all;
        const found = all.filter((h) => hostMatches(h, host));
        if (found.length)
            return found;
        const elsewhere = [...this.s.hosts.values()].some((h) => hostMatches(h, host));
        throw new errors/* ConfigError */.xL('--host', `${JSON.stringify(host)} is not a host of ${elsewhere ? `role ${roleName}` : `environment ${this.s.inputs.environment}`}`, `use one of: ${all.map((h) => shortHost(h)).join(', ')}`);
    }
    /** Resolves the deploy root of every host (in parallel) and reads the release log of record. */
    async open() {
        await Promise.all([...this.s.hosts.values()].map(async (h) => {
            await this.s.resolveRoot(h);
        }));
        this.records = await this.s.readReleases();
    }
    /** The active release's manifest and compose target on a host, or a clear error. */
    async activeOn(h, roleName) {
        const active = this.active;
        if (!active)
            throw new errors/* UserError */.yo(`environment ${this.s.inputs.environment}`, `has no successful release on ${this.s.primary.key}`, 'deploy first (ragship deploy)');
        h.compose = await this.compose(h);
        const rel = await this.s.recordedRelease(h, roleName, (0,release_log/* releaseFolder */.Uc)(active));
        if (!rel)
            throw new errors/* UserError */.yo(`${h.key}`, `the active release ${active.id} has no folder for role ${roleName} under ${h.root}/releases`, 'deploy again (the folder was removed by hand)');
        return rel;
    }
    /** `docker compose` or `docker-compose`, detected once per host. */
    compose(h) {
        let c = this.composeOf.get(h.key);
        if (!c) {
            c = detectCompose(h.host).then((r) => r.compose);
            this.composeOf.set(h.key, c);
        }
        return c;
    }
    /** Rendered compose files of a release: the image each service runs. */
    async releaseImages(h, roleName, m) {
        const out = new Map();
        const dir = this.s.releaseDir(h, (0,release_log/* releaseFolder */.Uc)(this.active), roleName);
        for (const f of m.composeFiles) {
            const raw = await h.host.readFile(external_node_path_.posix.join(dir, f));
            if (!raw)
                continue;
            const doc = (0,dist/* parse */.qg)(raw.toString('utf8'));
            for (const [name, svc] of Object.entries(doc?.services ?? {}))
                if (typeof svc?.image === 'string')
                    out.set(name, svc.image);
        }
        return out;
    }
    /**
     * Registers the values of the active release's env overlay (the secrets the deploy gave the
     * containers) with the logger, so every line printed afterwards has them masked.
     */
    async maskReleaseEnv(h, roleName) {
        const active = this.active;
        if (!active)
            return 0;
        const raw = await h.host.readFile(external_node_path_.posix.join(this.s.releaseDir(h, (0,release_log/* releaseFolder */.Uc)(active), roleName), 'env.yaml'));
        if (!raw)
            return 0;
        let n = 0;
        for (const value of envValues(raw.toString('utf8'))) {
            this.s.ports.logger.setSecret(value);
            n++;
        }
        return n;
    }
    close() {
        this.s.close();
    }
}
/**
 * Values of an env overlay (`services.<s>.environment`, `$` written as `$$` for compose).
 * RAGSHIP_RELEASE is the release id, printed everywhere on purpose.
 */
function envValues(overlayYaml) {
    const doc = (0,dist/* parse */.qg)(overlayYaml);
    const values = new Set();
    for (const svc of Object.values(doc?.services ?? {}))
        for (const [k, v] of Object.entries(svc?.environment ?? {}))
            if (k !== 'RAGSHIP_RELEASE' && typeof v === 'string' && v)
                values.add(v.replace(/\$\$/g, '$'));
    return [...values];
}


/***/ }),

/***/ 4552:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E7: () => (/* binding */ parseInspect),
/* harmony export */   MK: () => (/* binding */ parseDf),
/* harmony export */   Pd: () => (/* binding */ parseRepoDigests),
/* harmony export */   Y0: () => (/* binding */ formatUptime),
/* harmony export */   mT: () => (/* binding */ statusExitCode),
/* harmony export */   od: () => (/* binding */ STATUS_EXIT),
/* harmony export */   qk: () => (/* binding */ runningDigest),
/* harmony export */   xf: () => (/* binding */ judgeService)
/* harmony export */ });
/* unused harmony export runsImage */
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5852);

function parseInspect(stdout, hostNow) {
    return stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((line) => {
        const [id = '', name = '', service = '', configImage = '', imageId = '', state = '', health = '', startedAt = '', restarts = '0', release = '',] = line.split(_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .FIELD */ .b_);
        const started = Date.parse(startedAt);
        return {
            id: id.slice(0, 12),
            name: name.replace(/^\//, ''),
            service,
            configImage,
            imageId,
            repoDigests: [],
            state,
            health,
            startedAt,
            uptimeSeconds: state === 'running' && !Number.isNaN(started)
                ? Math.max(0, hostNow - Math.floor(started / 1000))
                : undefined,
            restarts: Number(restarts) || 0,
            release: release.trim() || undefined,
        };
    });
}
/** `docker image inspect` output → image id → repo digests. */
function parseRepoDigests(stdout) {
    const out = new Map();
    for (const line of stdout.split('\n')) {
        const [id, digests] = line.split(_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .FIELD */ .b_);
        if (id?.trim())
            out.set(id.trim(), (digests ?? '').split(' ').filter(Boolean));
    }
    return out;
}
/** Available bytes from `df -P -k PATH`. */
function parseDf(stdout) {
    const fields = stdout.trim().split('\n')[1]?.trim().split(/\s+/);
    const kib = Number(fields?.[3]);
    return Number.isFinite(kib) ? kib * 1024 : undefined;
}
/** Whether a container runs the image the release names. */
function runsImage(c, expected) {
    const at = expected.indexOf('@sha256:');
    if (at >= 0) {
        // A digest names the content: compare it with the running image's registry digests (the
        // repository part may be normalised by the engine, e.g. docker.io/library/).
        const digest = expected.slice(at + 1);
        return c.repoDigests.some((d) => d.endsWith(`@${digest}`)) || c.configImage === expected;
    }
    return c.configImage === expected;
}
/** What the running digest of a container is, for humans: repo@sha256:… or the image id. */
function runningDigest(c, expected) {
    const repo = expected?.split('@')[0]?.replace(/:[^/:]+$/, '');
    return (c.repoDigests.find((d) => repo && d.startsWith(`${repo}@`)) ?? c.repoDigests[0] ?? c.imageId.slice(0, 19));
}
/**
 * Judges one service on one host against the active release.
 * `releaseFolder` is the folder the active release runs from (its RAGSHIP_RELEASE).
 */
function judgeService(svc, o) {
    const out = { ...svc };
    const { containers, expectedImage } = svc;
    if (!o.expected) {
        out.drift = 'runs, but the active release has no such long-running service';
        return out;
    }
    if (!containers.length) {
        out.problem = 'no container';
        return out;
    }
    const down = containers.filter((c) => c.state !== 'running');
    const sick = containers.filter((c) => c.state === 'running' && c.health !== 'healthy' && c.health !== 'none');
    if (down.length)
        out.problem = down.map((c) => `${c.name} ${c.state}`).join(', ');
    else if (sick.length)
        out.problem = sick.map((c) => `${c.name} ${c.health}`).join(', ');
    const drift = [];
    if (expectedImage && !expectedImage.includes('$')) {
        const wrong = containers.filter((c) => !runsImage(c, expectedImage));
        if (wrong.length)
            drift.push(wrong
                .map((c) => `${c.name} runs ${runningDigest(c, expectedImage)}, not ${expectedImage}`)
                .join('; '));
    }
    if (o.releaseFolder) {
        const other = containers.filter((c) => c.release && c.release !== o.releaseFolder);
        if (other.length)
            drift.push(other.map((c) => `${c.name} has the env of release ${c.release}, not ${o.releaseFolder}`).join('; '));
    }
    if (drift.length)
        out.drift = drift.join('; ');
    return out;
}
/** Exit codes of `ragship status` (1 and 2 keep their CLI meaning: failure, usage). */
const STATUS_EXIT = { ok: 0, drift: 3, unhealthy: 4 };
function statusExitCode(services, deployed) {
    if (services.some((s) => s.problem))
        return STATUS_EXIT.unhealthy;
    if (!deployed || services.some((s) => s.drift))
        return STATUS_EXIT.drift;
    return STATUS_EXIT.ok;
}
function formatUptime(seconds) {
    if (seconds === undefined)
        return '—';
    if (seconds < 90)
        return `${seconds} s`;
    if (seconds < 5400)
        return `${Math.round(seconds / 60)} min`;
    if (seconds < 172_800)
        return `${(seconds / 3600).toFixed(1)} h`;
    return `${(seconds / 86_400).toFixed(1)} d`;
}


/***/ }),

/***/ 6120:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   o: () => (/* binding */ lockStatus),
/* harmony export */   runStatus: () => (/* binding */ runStatus)
/* harmony export */ });
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _config_load_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(811);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4296);
/* harmony import */ var _core_report_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(8557);
/* harmony import */ var _deploy_commands_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(9353);
/* harmony import */ var _deploy_gpu_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(369);
/* harmony import */ var _deploy_lock_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4332);
/* harmony import */ var _deploy_release_log_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(681);
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(5852);
/* harmony import */ var _environment_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(2564);
/* harmony import */ var _status_model_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(4552);











/**
 * `ragship status`: per host and service, what the release log says runs vs what runs
 * (image digests, release env), container state/health/uptime/restarts, the deploy lock,
 * free disk and (GPU roles) GPU memory. Read-only, one SSH connection per host.
 */
async function runStatus(inputs, ports) {
    if ((0,_config_load_js__WEBPACK_IMPORTED_MODULE_1__/* .environmentOf */ .p7)(inputs.config, inputs.environment).engine === 'swarm')
        return (await __webpack_require__.e(/* import() */ 296).then(__webpack_require__.bind(__webpack_require__, 1915))).runSwarmStatus(inputs, ports);
    const e = new _environment_js__WEBPACK_IMPORTED_MODULE_7__/* .DeployedEnvironment */ .I5(inputs, ports);
    try {
        const roles = e.roles(inputs.role);
        await e.open();
        const active = e.active;
        const lock = await lockStatus(e);
        const hostStatus = new Map();
        const services = [];
        for (const [roleName, role] of roles) {
            const results = await Promise.all(e.hosts(roleName).map(async (h) => {
                const hs = hostStatus.get(h.key) ?? (await hostFacts(h));
                hs.roles.push(roleName);
                const floor = role.minFreeDiskGiB + (role.gpu?.minDiskGiB ?? 0);
                if (hs.diskFreeBytes !== undefined && hs.diskFreeBytes < floor * 2 ** 30)
                    hs.diskWarning = `${(hs.diskFreeBytes / 2 ** 30).toFixed(1)} GiB free, role ${roleName} needs ${floor} GiB`;
                if (role.gpu && !hs.gpus && !hs.gpuProblem)
                    await gpuFacts(h, hs);
                hostStatus.set(h.key, hs);
                return roleServices(e, h, roleName, role.service, role.proxy?.service);
            }));
            services.push(...results.flat());
        }
        const exitCode = (0,_status_model_js__WEBPACK_IMPORTED_MODULE_8__/* .statusExitCode */ .mT)(services, !!active);
        const result = {
            app: e.s.app,
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
            hosts: [...hostStatus.values()],
            services,
            drifted: !active || services.some((s) => s.drift),
            unhealthy: services.some((s) => s.problem),
            exitCode,
            connectionsPerHost: e.s.connectionsPerHost(),
        };
        return { ...result, report: statusReport(result) };
    }
    finally {
        e.close();
    }
}
async function lockStatus(e) {
    const p = e.s.primary;
    const dir = node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(p.root, 'lock');
    const held = (await p.host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .dirExists */ .U1)(dir), { allowFailure: true })).code === 0;
    if (!held)
        return { held, host: p.key };
    const owner = await (0,_deploy_lock_js__WEBPACK_IMPORTED_MODULE_4__/* .readOwner */ .A7)(p.host, dir);
    const now = Number((await p.host.exec(_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .hostClock */ .j0)).stdout.trim());
    if (!owner)
        return { held, host: p.key };
    const { token: _token, ...shown } = owner;
    return { held, host: p.key, owner: shown, stale: owner.expiresAt < now };
}
async function hostFacts(h) {
    const df = await h.host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .diskFree */ .g0)(h.root), { allowFailure: true });
    return { host: h.key, roles: [], root: h.root, diskFreeBytes: (0,_status_model_js__WEBPACK_IMPORTED_MODULE_8__/* .parseDf */ .MK)(df.stdout) };
}
async function gpuFacts(h, hs) {
    const r = await h.host.exec(_deploy_commands_js__WEBPACK_IMPORTED_MODULE_9__/* .nvidiaSmiQuery */ .Hm, { allowFailure: true });
    const v = (0,_deploy_gpu_js__WEBPACK_IMPORTED_MODULE_3__/* .parseNvidiaSmi */ .Qi)(r.code, r.stdout, r.stderr);
    if (v.ok)
        hs.gpus = v.gpus;
    else
        hs.gpuProblem = v.problem;
}
async function roleServices(e, h, roleName, mainService, proxyService) {
    const project = e.s.project(roleName);
    const containers = await inspectProject(h, project);
    const active = e.active;
    let expected = [];
    let images = new Map();
    if (active) {
        try {
            const { manifest } = await e.activeOn(h, roleName);
            images = await e.releaseImages(h, roleName, manifest);
            expected = [
                ...new Set([mainService, ...(proxyService ? [proxyService] : []), ...manifest.supportServices]),
            ];
        }
        catch (err) {
            // The host cannot say what should run there: every running service counts as drift.
            e.s.ports.logger.warn((0,_core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .errorMessage */ .gJ)(err));
        }
    }
    const names = [...new Set([...expected, ...containers.map((c) => c.service)])];
    return names.map((service) => (0,_status_model_js__WEBPACK_IMPORTED_MODULE_8__/* .judgeService */ .xf)({
        host: h.key,
        role: roleName,
        service,
        expectedImage: images.get(service),
        containers: containers.filter((c) => c.service === service),
    }, { expected: expected.includes(service), releaseFolder: active && (0,_deploy_release_log_js__WEBPACK_IMPORTED_MODULE_5__/* .releaseFolder */ .Uc)(active) }));
}
async function inspectProject(h, project) {
    const ids = (await h.host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .projectContainers */ .an)(project))).stdout.split('\n').filter(Boolean);
    if (!ids.length)
        return [];
    const now = Number((await h.host.exec(_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .hostClock */ .j0)).stdout.trim());
    // A container removed between `ps` and `inspect` (a deploy running) makes inspect exit 1
    // after printing the others: keep what it printed.
    const inspected = await h.host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .inspectContainers */ .Xu)(ids), { allowFailure: true });
    const containers = (0,_status_model_js__WEBPACK_IMPORTED_MODULE_8__/* .parseInspect */ .E7)(inspected.stdout, now);
    const imageIds = [...new Set(containers.map((c) => c.imageId))];
    if (imageIds.length) {
        const digests = (0,_status_model_js__WEBPACK_IMPORTED_MODULE_8__/* .parseRepoDigests */ .Pd)((await h.host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_6__/* .imageRepoDigests */ .Jl)(imageIds), { allowFailure: true })).stdout);
        for (const c of containers)
            c.repoDigests = digests.get(c.imageId) ?? [];
    }
    return containers;
}
function statusReport(r) {
    const verdict = r.unhealthy ? '❌ unhealthy' : r.drifted ? '⚠️ drift' : '✅ healthy, as released';
    const report = new _core_report_js__WEBPACK_IMPORTED_MODULE_10__/* .Report */ .p().heading(`Status of ${r.app} ${r.environment}: ${verdict}`);
    report.table(['', ''], [
        ['active release', r.active ? `${r.active.id} (${r.active.kind})` : 'none — nothing deployed'],
        ['image', r.active?.image ?? '—'],
        ['deployed', r.active ? `${r.active.finishedAt} by ${r.active.actor}` : '—'],
        [
            'deploy lock',
            r.lock.held
                ? r.lock.owner
                    ? `held by run ${r.lock.owner.runId} (${r.lock.owner.actor}) since ${r.lock.owner.acquiredAt}${r.lock.stale ? ', expired: the next deploy takes it over' : ''}`
                    : 'held (no owner recorded yet)'
                : 'free',
        ],
    ]);
    report.heading('Services', 3).table(['host', 'role', 'service', 'container', 'state', 'health', 'up', 'restarts', 'image', 'verdict'], r.services.flatMap((s) => {
        const verdict = s.problem ? `❌ ${s.problem}` : s.drift ? `⚠️ drift: ${s.drift}` : '✅';
        const rows = s.containers.length ? s.containers : [undefined];
        return rows.map((c) => [
            s.host,
            s.role,
            s.service,
            c?.name ?? '—',
            c?.state ?? 'missing',
            c?.health ?? '—',
            (0,_status_model_js__WEBPACK_IMPORTED_MODULE_8__/* .formatUptime */ .Y0)(c?.uptimeSeconds),
            c ? String(c.restarts) : '—',
            c ? shortDigest((0,_status_model_js__WEBPACK_IMPORTED_MODULE_8__/* .runningDigest */ .qk)(c, s.expectedImage)) : '—',
            verdict,
        ]);
    }));
    report.heading('Hosts', 3).table(['host', 'roles', 'free disk', 'GPU memory used'], r.hosts.map((h) => [
        h.host,
        h.roles.join(', '),
        `${h.diskFreeBytes === undefined ? '?' : `${(h.diskFreeBytes / 2 ** 30).toFixed(1)} GiB`}${h.diskWarning ? ` ⚠️ ${h.diskWarning}` : ''}`,
        h.gpus
            ? h.gpus.map((g) => `GPU${g.index} ${g.usedMiB}/${g.totalMiB} MiB`).join(', ')
            : (h.gpuProblem ?? '—'),
    ]));
    return report;
}
const shortDigest = (ref) => ref.replace(/@sha256:([a-f0-9]{12})[a-f0-9]+/, '@sha256:$1…');


/***/ })

};
