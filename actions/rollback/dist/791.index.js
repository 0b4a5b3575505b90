import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 791;
export const ids = [791];
export const modules = {

/***/ 328:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  aw: () => (/* binding */ executeApply),
  p1: () => (/* binding */ lockEnvironment),
  g1: () => (/* binding */ record),
  H3: () => (/* binding */ releasesTable),
  PM: () => (/* binding */ step),
  A1: () => (/* binding */ stepsTable),
  n$: () => (/* binding */ summarizeTimings)
});

// UNUSED EXPORTS: applyRelease, parallel, planApply, prune

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/core/errors.ts
var core_errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/report.ts
var report = __webpack_require__(8557);
// EXTERNAL MODULE: ./src/deploy/commands.ts
var commands = __webpack_require__(9353);
// EXTERNAL MODULE: ./src/deploy/release-log.ts
var release_log = __webpack_require__(681);
;// CONCATENATED MODULE: ./src/deploy/host-retention.ts



/**
 * Retention is host-wide: one Docker image store serves every app and environment deployed on
 * a host (staging beside production, the same digest promoted from one to the other), so a
 * prune must never remove an image that ANY of them still retains. Each deploy root holds
 * `retained-images` (the images its environment keeps, one per line), and the deploy user's
 * `~/.ragship/deploy-roots` lists every root deployed on the host, custom roots included;
 * roots under the default `~/ragship/<app>/<environment>` are found even when unlisted.
 * A root without the file (deployed by an older ragship) counts every image of a successful
 * release in its log as retained — never less than it keeps.
 */
const RETAINED_FILE = 'retained-images';
/** Images the other roots' output above retains, with the root that retains each. */
function parseOtherRetained(out) {
    const kept = new Map();
    let section;
    const flush = () => {
        if (!section)
            return;
        if (section.kind === 'retained') {
            for (const l of section.lines)
                if (l.trim())
                    kept.set(l.trim(), section.root);
        }
        else {
            let records = [];
            try {
                records = parseReleaseLog(section.lines.join('\n'));
            }
            catch {
                records = [];
            }
            // A removed environment (`ragship remove`, no --role) retains nothing.
            const last = records.filter((r) => r.kind !== 'lock-release').at(-1);
            if (last?.kind === 'remove' && !last.roles)
                return;
            for (const r of records.filter((x) => x.result === 'success'))
                for (const img of Object.values(r.images))
                    kept.set(img, section.root);
        }
    };
    for (const line of out.split('\n')) {
        const m = /^@@(retained|log) (.+)$/.exec(line);
        if (m) {
            flush();
            section = { kind: m[1], root: m[2], lines: [] };
        }
        else
            section?.lines.push(line);
    }
    flush();
    return kept;
}
/** What the other apps and environments on `h` retain (image → the root that keeps it). */
async function host_retention_retainedElsewhere(h) {
    const r = await h.host.exec(readOtherRetained(h.root), { where: `${h.key} retained images` });
    return parseOtherRetained(r.stdout);
}
/** Publishes what this environment retains on `h`, before anything is pruned. */
async function host_retention_recordRetained(h, keep) {
    await h.host.exec(publishRetained(h.root), {
        input: [...keep].map((k) => `${k}\n`).join(''),
        where: `${h.key} ${posix.join(h.root, RETAINED_FILE)}`,
    });
}

// EXTERNAL MODULE: ./src/deploy/lock.ts
var deploy_lock = __webpack_require__(4332);
// EXTERNAL MODULE: ./src/deploy/pull-progress.ts + 1 modules
var pull_progress = __webpack_require__(6222);
// EXTERNAL MODULE: ./src/core/redact.ts
var redact = __webpack_require__(2258);
;// CONCATENATED MODULE: ./src/deploy/release-log-file.ts


const releaseLogPath = (root) => posix.join(root, 'releases.jsonl');
/** The record as it may be written: every known secret masked in its free text. */
function redactedRecord(rec) {
    return {
        ...rec,
        error: rec.error === undefined ? undefined : redact/* secrets */.O.redact(rec.error),
        output: rec.output === undefined ? undefined : redact/* secrets */.O.redact(rec.output),
    };
}

// EXTERNAL MODULE: ./src/deploy/static.ts
var deploy_static = __webpack_require__(3369);
// EXTERNAL MODULE: ./src/deploy/switch.ts + 2 modules
var deploy_switch = __webpack_require__(3725);
;// CONCATENATED MODULE: ./src/deploy/apply.ts











/**
 * Milliseconds per step name, summed over hosts and batches: the `timings` of a release record
 * (deploy and rollback alike; a step that ran on three hosts counts three times).
 */
function summarizeTimings(timings) {
    const out = {};
    for (const t of timings)
        out[t.step] = (out[t.step] ?? 0) + t.ms;
    return out;
}
/** The per-step table of a deploy's or rollback's report. */
function stepsTable(timings) {
    return new report/* Report */.p().heading('Steps', 3).table(['step', 'host', 'duration', 'ok'], timings.map((t) => [t.step, t.host, `${(t.ms / 1000).toFixed(1)} s`, t.ok ? '✅' : '❌']));
}
/** Runs `fn` as a timed, logged step and records it (also when it fails). */
async function step(s, timings, name, host, fn) {
    const started = performance.now();
    try {
        const out = await s.ports.logger.group(`${name}${host ? ` (${host})` : ''}`, fn);
        timings.push({ step: name, host, ms: Math.round(performance.now() - started), ok: true });
        return out;
    }
    catch (err) {
        timings.push({ step: name, host, ms: Math.round(performance.now() - started), ok: false });
        throw err;
    }
}
/** Bounded parallelism for pulls on many hosts. */
async function parallel(items, limit, fn) {
    const queue = [...items];
    const errors = [];
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift())
            await fn(item).catch((e) => errors.push(e));
    }));
    if (errors.length)
        throw errors[0];
}
/** Resolves a spec once, every role and host (reading the previous release's manifests). */
async function planApply(s, spec) {
    const roles = [];
    for (const [roleName] of s.roles) {
        const hosts = [];
        for (const h of s.roleHosts(roleName))
            hosts.push({
                h,
                target: spec.targets(roleName, h),
                previous: await spec.previous(roleName, h),
                static: spec.statics?.(roleName, h),
            });
        roles.push({
            roleName,
            supportServices: spec.supportServices(roleName),
            pullServices: spec.pullServices(roleName),
            hosts,
        });
    }
    return {
        releaseId: spec.releaseId,
        roles,
        runMigrations: spec.runMigrations,
        pullTimeoutSeconds: spec.pullTimeoutSeconds,
        guard: spec.guard,
    };
}
/** pull → migrate → switch with health gate, for every role; shared by deploy and rollback. */
async function applyRelease(s, spec, timings, result) {
    await executeApply(s, await planApply(s, spec), timings, result);
}
/** Runs an ApplyPlan: pull, static files, migrations, then each role's switch batches. */
async function executeApply(s, plan, timings, result) {
    const pulls = plan.roles.flatMap((r) => (r.pullServices.length ? r.hosts.map((x) => ({ r, x })) : []));
    const pullTimeout = plan.pullTimeoutSeconds ?? 1800;
    await step(s, timings, 'pull', `${pulls.length} host(s)`, () => parallel(pulls, 4, async ({ r: role, x: { h, target } }) => {
        const progress = (0,pull_progress/* pullProgress */.Be)(h.key, role.pullServices.length, s.ports.logger);
        const r = await h.host
            .exec((0,commands/* withTimeout */.wj)(pullTimeout, (0,commands/* pullShowingProgress */.Q8)(target, role.pullServices)), {
            allowFailure: true,
            timeoutMs: (pullTimeout + 30) * 1000,
            where: `${h.key} pull`,
            onStdout: progress.onOutput,
            onStderr: progress.onOutput,
        })
            .finally(progress.finish);
        if (r.code === 0)
            return;
        const timedOut = r.code === 124 || r.code === 137;
        throw new core_errors/* UserError */.yo(`${h.key} pull`, timedOut
            ? `the image pull did not finish within ${pullTimeout} s and was stopped; nothing was switched, the old release keeps serving`
            : `the image pull failed (status ${r.code}); nothing was switched, the old release keeps serving:\n${(0,core_errors/* tail */.RT)(`${r.stdout}${r.stderr}`, 20)}`, timedOut
            ? 'check that the host reaches the registry (firewall, DNS, tunnel), or raise the pull timeout for large images'
            : 'check the registry address, credentials and that the image was pushed');
    }));
    const statics = plan.roles.flatMap((r) => r.hosts.flatMap(({ h, static: st }) => (st ? [{ h, st }] : [])));
    if (statics.length)
        await step(s, timings, 'static files', `${statics.length} host(s)`, () => parallel(statics, 4, async ({ h, st }) => {
            if (await (0,deploy_static/* extractStatic */.st)(h.host, st.image, st.release))
                s.ports.logger.info(`${h.key}: extracted ${st.release.from} of ${st.image}`);
        }));
    const roleOf = (roleName) => s.env.roles[roleName];
    if (plan.runMigrations) {
        for (const { roleName, hosts } of plan.roles) {
            const m = roleOf(roleName).migrate;
            if (!m)
                continue;
            const { h, target } = hosts[0];
            await plan.guard?.();
            await step(s, timings, 'migrate', h.key, async () => {
                let r;
                try {
                    r = await h.host.exec((0,commands/* withTimeout */.wj)(m.timeout, (0,commands/* migrate */._r)(target, m.service, m.command)), {
                        allowFailure: true,
                        timeoutMs: (m.timeout + 30) * 1000,
                        where: `${h.key} migrate`,
                    });
                }
                catch (err) {
                    // The connection died under the migration: its container may still run on the host.
                    const fate = await settleMigration(s, h, target.project, m.service, m.timeout);
                    result.output = fate.output;
                    throw new core_errors/* UserError */.yo(`${h.key} migrate`, `the connection was lost during the migration (${(0,core_errors/* errorMessage */.gJ)(err).split('\n')[0]}); ${fate.summary}; nothing was switched, the old release keeps serving`, 'deploy again once the host is reachable (the migration runs again: keep migrations idempotent)');
                }
                const output = (0,core_errors/* tail */.RT)(`${r.stdout}${r.stderr}`, 40);
                s.ports.logger.info(output);
                if (r.code !== 0) {
                    result.output = output;
                    const timedOut = r.code === 124 || r.code === 137;
                    if (timedOut)
                        await settleMigration(s, h, target.project, m.service, 0);
                    throw new core_errors/* UserError */.yo(`${h.key} migrate`, timedOut
                        ? `the migration did not finish within ${m.timeout} s and was stopped; nothing was switched, the old release keeps serving:\n${output}`
                        : `the migration exited with status ${r.code}; nothing was switched, the old release keeps serving:\n${output}`, timedOut
                        ? 'make the migration faster or raise migrate.timeout'
                        : 'fix the migration and deploy again');
                }
            });
        }
    }
    for (const { roleName, hosts, supportServices } of plan.roles) {
        const role = roleOf(roleName);
        // The first host is a barrier: the rest only roll once it is healthy.
        const batches = [hosts.slice(0, 1), hosts.slice(1)].filter((b) => b.length);
        for (const batch of batches) {
            await plan.guard?.();
            // Settled, not Promise.all: a failure must not leave a sibling's switch running while the
            // caller switches the hosts already switched back.
            const settled = await Promise.allSettled(batch.map((x) => step(s, timings, `switch ${roleName} (${role.strategy})`, x.h.key, async () => {
                const ctx = {
                    host: x.h.host,
                    role,
                    roleName,
                    target: x.target,
                    previous: x.previous,
                    supportServices,
                    static: x.static,
                    logger: s.ports.logger,
                };
                const r = role.strategy === 'recreate' ? await (0,deploy_switch/* recreateSwitch */.Mp)(ctx) : await (0,deploy_switch/* zeroDowntimeSwitch */.OF)(ctx);
                result.timeToHealthyMs = Math.max(result.timeToHealthyMs, r.timeToHealthyMs);
                result.switched = [...(result.switched ?? []), { roleName, host: x.h.key }];
            })));
            const failed = settled.find((r) => r.status === 'rejected');
            if (failed)
                throw failed.reason;
        }
    }
}
/**
 * After a migration whose client died (connection lost, timed out): waits up to `waitSeconds`
 * for its one-off container to finish — a migration cut in the middle is worse than one that
 * completes — then removes it (stopped with a grace period if still running), so no stray
 * container is left and the next deploy does not race it. Says what happened.
 */
async function settleMigration(s, h, project, service, waitSeconds) {
    try {
        const list = await h.host.exec((0,commands/* oneOffContainers */.dW)(project, service));
        const ids = list.stdout.split('\n').filter(Boolean);
        if (!ids.length)
            return { summary: 'no migration container is left on the host' };
        const waited = waitSeconds > 0
            ? await h.host.exec((0,commands/* waitContainers */.i6)(waitSeconds, ids), {
                allowFailure: true,
                timeoutMs: (waitSeconds + 30) * 1000,
            })
            : undefined;
        const logs = await h.host.exec((0,commands/* containerLogs */.BX)(ids[0], 40), { allowFailure: true });
        const output = (0,core_errors/* tail */.RT)(`${logs.stdout}${logs.stderr}`, 40);
        await h.host.exec((0,commands/* stopContainers */.F_)(ids, 30), { allowFailure: true });
        await h.host.exec((0,commands/* removeContainers */.Dn)(ids), { allowFailure: true });
        const statuses = waited?.code === 0 ? waited.stdout.trim().split('\n').join(', ') : '';
        const summary = statuses
            ? `the migration container finished on the host with status ${statuses} and was removed`
            : `the migration container was still running after ${waitSeconds} s; it was stopped and removed`;
        s.ports.logger.warn(`${h.key}: ${summary}`);
        return { summary, output };
    }
    catch (err) {
        return { summary: `the host could not be asked what became of the migration (${(0,core_errors/* errorMessage */.gJ)(err)})` };
    }
}
/** Appends the record to the release log of every host (each host can answer `releases`). */
async function record(s, rec) {
    const line = `${JSON.stringify(redactedRecord(rec))}\n`;
    const errors = [];
    for (const h of s.hosts.values()) {
        await h.host
            .exec((0,commands/* appendReleaseLog */.CY)(h.root), { input: line, where: `${h.key} release log` })
            .catch((e) => errors.push((0,core_errors/* errorMessage */.gJ)(e)));
    }
    if (errors.length)
        s.ports.logger.warn(`the release log could not be written everywhere: ${errors.join('; ')}`);
}
/**
 * Prune: release folders and images beyond retention, never an image used by the last N
 * successful releases (kamal#1922), and only images this environment's release log deployed.
 */
async function prune(s, records, retain) {
    const keep = retainedImages(records, retain);
    // A kept rollback record keeps its source's folder (that is what it runs from).
    const keepIds = new Set(records
        .filter((r) => r.result === 'success')
        .slice(-retain)
        .flatMap((r) => [r.id, releaseFolder(r)]));
    const newestKept = records.findIndex((r) => keepIds.has(r.id));
    const dropIds = records
        .slice(0, Math.max(0, newestKept))
        .map((r) => r.id)
        .filter((id) => !keepIds.has(id));
    const repos = new Set([...records.flatMap((r) => Object.values(r.images))].map((ref) => ref.split('@')[0].replace(/:[^/:]+$/, '')));
    // Only images this environment's own log deployed: another app or environment on the same
    // host (staging beside production) may keep its rollback images in the same repository.
    const deployedHere = new Set(records.flatMap((r) => Object.values(r.images)));
    const removed = [];
    for (const h of s.hosts.values()) {
        if (dropIds.length)
            await h.host.exec(removeTree(...dropIds.map((id) => s.layout(h).release(id))), {
                allowFailure: true,
            });
        // Published static files (old hashed assets) that no retained release folder holds.
        for (const [roleName, role] of s.roles) {
            if (!role.static || !s.roleHosts(roleName).includes(h))
                continue;
            const keep = [...keepIds].map((id) => staticSource(s.releaseDir(h, id, roleName)));
            const published = posix.join(s.projectDir(h, roleName), role.static.dir);
            const r = await h.host.exec(pruneFiles(published, keep), { allowFailure: true });
            for (const f of r.stdout.split('\n').filter(Boolean))
                removed.push(`${h.key} ${roleName} ${f}`);
        }
        // Host-wide retention: what every other app and environment on this host still keeps.
        const elsewhere = await keptOnHost(s, h, keep);
        if (!elsewhere)
            continue;
        for (const repo of repos) {
            const list = await h.host.exec(listImages(repo), { allowFailure: true });
            for (const line of list.stdout.split('\n')) {
                const ref = line.split('\t')[0]?.trim();
                if (!ref || ref.endsWith('@<none>') || keep.has(ref) || !deployedHere.has(ref))
                    continue;
                if (elsewhere.has(ref)) {
                    s.ports.logger.info(`${h.key}: ${ref} stays: ${elsewhere.get(ref)} still retains it`);
                    continue;
                }
                // `docker image rm` refuses images a container uses: that is the last safety net.
                const r = await h.host.exec(removeImage(ref), { allowFailure: true });
                if (r.code === 0)
                    removed.push(`${h.key} ${ref}`);
            }
        }
    }
    return removed;
}
/** Publishes this environment's retained images on `h`; undefined (no image pruned) on failure. */
async function keptOnHost(s, h, keep) {
    try {
        await recordRetained(h, keep);
        return await retainedElsewhere(h);
    }
    catch (err) {
        s.ports.logger.warn(`${h.key}: what other environments on the host retain could not be read (${errorMessage(err)}): no image pruned there`);
        return undefined;
    }
}
function releasesTable(records, limit = 10) {
    const active = (0,release_log/* activeRelease */.G6)(records)?.id;
    return new report/* Report */.p().table(['', 'release', 'kind', 'git sha', 'image', 'when', 'who', 'result'], records
        .slice(-limit)
        .reverse()
        .map((r) => [
        r.id === active ? '▶ active' : '',
        r.id,
        r.kind + (r.source ? ` of ${r.source}` : ''),
        r.gitSha?.slice(0, 7) ?? '',
        r.image.replace(/@sha256:([a-f0-9]{12})[a-f0-9]+/, '@sha256:$1…'),
        r.finishedAt,
        r.actor,
        // A failed deploy after which hosts were switched back, or left on different releases.
        r.result +
            (r.switchBack?.hosts.length
                ? ' (switched back)'
                : r.switchBack?.kept.length
                    ? ' (hosts differ)'
                    : ''),
    ]));
}
/**
 * Takes the app+environment lock on the primary host (owner = this run) and reports it at
 * once, so an action's post step can release it if the run is cancelled.
 */
async function lockEnvironment(s, timings, run, onLocked) {
    const p = s.primary;
    const dir = s.layout(p).lockDir;
    const lock = new deploy_lock/* DeployLock */.Fc(p.host, {
        dir,
        ttlSeconds: run.lockTtlSeconds ?? run.config.lock.ttl,
        waitSeconds: run.lockWaitSeconds ?? run.config.lock.wait,
        runId: run.runId,
        actor: run.actor,
        runUrl: run.runUrl,
    }, s.ports.logger);
    await step(s, timings, 'lock', p.key, () => lock.acquire());
    onLocked?.({ host: p.key, dir, token: lock.token });
    return lock;
}


/***/ }),

/***/ 6561:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ns: () => (/* binding */ envHashKey),
/* harmony export */   u: () => (/* binding */ keyedEnvHash)
/* harmony export */ });
/* unused harmony exports ENV_HASH_KEY_BYTES, envHashKeyCommand */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4296);


const ENV_HASH_KEY_BYTES = 32;
/**
 * Creates the host's env-hash key once — 32 random bytes from the host's /dev/urandom in
 * ~/.ragship/env-hash.key of the deploy user, 0600 in a 0700 folder — and prints its path (never
 * the key). The bytes are written to a temporary name first and `ln` publishes them: a hard link
 * fails if the name exists, so two deploys racing on a new host both end up reading the one key
 * that won, and nobody ever reads a half-written file.
 */
const envHashKeyCommand = [
    'sh',
    '-c',
    [
        'set -e',
        'umask 077',
        'd="$HOME/.ragship"',
        'mkdir -p "$d"',
        'chmod 700 "$d"',
        'f="$d/env-hash.key"',
        'if [ ! -s "$f" ]; then',
        `  t="$d/.env-hash.key.$$"`,
        `  head -c ${ENV_HASH_KEY_BYTES} /dev/urandom > "$t"`,
        '  ln "$t" "$f" 2>/dev/null || true',
        '  rm -f "$t"',
        'fi',
        'printf %s "$f"',
    ].join('\n'),
    'ragship-env-hash-key',
];
/** The host's env-hash key (created on first use), read through the Host port (SFTP). */
async function envHashKey(host) {
    const path = (await host.exec(envHashKeyCommand, { where: `${host.label} env-hash key` })).stdout.trim();
    const key = path ? await host.readFile(path) : undefined;
    if (!key || key.length !== ENV_HASH_KEY_BYTES)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .UserError */ .yo(`${host.label} ${path || '~/.ragship/env-hash.key'}`, `is not a ${ENV_HASH_KEY_BYTES}-byte env-hash key (${key ? `${key.length} bytes` : 'unreadable'})`, 'remove it on the host; the next deploy creates a new one (earlier releases then show a changed env)');
    return key;
}
/**
 * The release log's `envHash`: HMAC-SHA256 of the env overlay under the host's secret key, so
 * equal envs compare equal on that host (what rollback and `releases` show) while a reader of
 * the log cannot confirm a guessed secret value offline, as an unsalted SHA-256 allowed.
 */
function keyedEnvHash(key, material) {
    return `hmac-sha256:${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha256', key).update(material).digest('hex')}`;
}


/***/ }),

/***/ 4533:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C: () => (/* binding */ deployRoot),
/* harmony export */   U: () => (/* binding */ ReleaseLayout)
/* harmony export */ });
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);

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
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.root, 'releases');
    }
    get shared() {
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.root, 'shared');
    }
    get releaseLog() {
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.root, 'releases.jsonl');
    }
    get lockDir() {
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.root, 'lock');
    }
    /** A release's folder (all roles). */
    release(releaseId) {
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.releases, releaseId);
    }
    releaseDir(releaseId, roleName) {
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.releases, releaseId, roleName);
    }
    manifest(releaseId, roleName) {
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.releaseDir(releaseId, roleName), 'manifest.json');
    }
    /** The compose project directory relative bind mounts resolve against. */
    projectDir(roleName) {
        return node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(this.shared, roleName);
    }
    /** The compose project name of a role. */
    project(roleName) {
        return `${this.app}-${this.environment}-${roleName}`;
    }
}
/** The deploy root: `environments.<env>.root`, else ~/ragship/<app>/<environment> of the deploy user. */
function deployRoot(o) {
    return o.root ?? node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(o.home, 'ragship', o.app, o.environment);
}


/***/ }),

/***/ 6222:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  fp: () => (/* binding */ prefetchProgress),
  Be: () => (/* binding */ pullProgress)
});

// UNUSED EXPORTS: PullMeter, parseSize, tqdmStatus

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: ./node_modules/cli-progress/cli-progress.js
var cli_progress = __webpack_require__(8502);
;// CONCATENATED MODULE: ./src/core/progress.ts


const MB = 1024 * 1024;
/** Whether long work draws a live bar: stderr is a terminal and this is not a CI job. */
function isInteractive() {
    return !!process.stderr.isTTY && !process.env.CI;
}
function seconds(s) {
    if (!Number.isFinite(s))
        return '?';
    const r = Math.max(0, Math.round(s));
    if (r < 60)
        return `${r} s`;
    if (r < 3600)
        return `${Math.floor(r / 60)} min ${r % 60} s`;
    return `${Math.floor(r / 3600)} h ${Math.floor((r % 3600) / 60)} min`;
}
/** "upload x: 512.0 MB of 2048.0 MB (25 %), 85.3 MB/s, ETA 18 s" (items: "eval: 12 of 40 (30 %), 2.0/s, ETA 14 s"). */
function formatProgress(label, unit, done, total, elapsedMs) {
    const perSecond = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
    const amount = (n) => (unit === 'bytes' ? `${(n / MB).toFixed(1)} MB` : String(n));
    const rate = unit === 'bytes' ? `${(perSecond / MB).toFixed(1)} MB/s` : `${perSecond.toFixed(1)}/s`;
    const parts = [
        total ? `${amount(done)} of ${amount(total)} (${Math.floor((100 * done) / total)} %)` : amount(done),
    ];
    if (elapsedMs > 0)
        parts.push(rate);
    if (total && perSecond > 0 && done < total)
        parts.push(`ETA ${seconds((total - done) / perSecond)}`);
    return `${label}: ${parts.join(', ')}`;
}
/** A 24-cell bar for a fraction (no bar when the total is unknown). */
function barOf(fraction, width = 24) {
    if (fraction === undefined || !Number.isFinite(fraction))
        return '';
    const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
    return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] `;
}
/**
 * One MultiBar per output stream, shared by every bar running at the same time (bars of parallel
 * work must not redraw over each other); stopped when its last bar finishes.
 */
const boards = new Map();
function addBar(stream) {
    let board = boards.get(stream);
    if (!board) {
        board = {
            multi: new cli_progress.MultiBar({
                stream,
                // The whole line is ours (bar + formatProgress); cli-progress draws and redraws it.
                format: (_o, _p, payload) => payload.line ?? '',
                hideCursor: false,
                clearOnComplete: true,
                fps: 5,
            }),
            live: 0,
        };
        boards.set(stream, board);
    }
    const b = board;
    b.live++;
    const bar = b.multi.create(1, 0, { line: '' });
    return {
        bar,
        done: () => {
            b.multi.remove(bar);
            if (--b.live === 0) {
                b.multi.stop();
                boards.delete(stream);
            }
        },
    };
}
class Progress {
    o;
    started;
    lastEmit;
    done = 0;
    total;
    tty;
    now;
    finished = false;
    bar;
    timer;
    constructor(o) {
        this.o = o;
        this.now = o.now ?? (() => performance.now());
        this.started = this.now();
        this.lastEmit = this.started;
        this.total = o.total;
        this.tty = o.tty ?? isInteractive();
    }
    /** Whether this progress draws a live bar (else: log lines every few seconds). */
    get interactive() {
        return this.tty;
    }
    /** The current line: "<label>: 12.0 MB of 40.0 MB (30 %), 2.0 MB/s, ETA 14 s". */
    line() {
        const elapsed = this.now() - this.started;
        return this.o.text
            ? this.o.text(this.done, this.total, elapsed)
            : formatProgress(this.o.label, this.o.unit, this.done, this.total, elapsed);
    }
    /**
     * Also report while nothing moves (a stalled pull, a slow eval case): a line (or a redraw) every
     * interval until finish(). The timer does not keep the process alive.
     */
    start() {
        if (this.timer || this.finished)
            return this;
        const every = this.tty ? 1000 : (this.o.intervalMs ?? 5000);
        this.timer = setInterval(() => this.emit(true), every);
        this.timer.unref();
        return this;
    }
    update(done, total) {
        if (this.finished)
            return;
        this.done = done;
        if (total !== undefined)
            this.total = total;
        this.emit(false);
    }
    emit(force) {
        const t = this.now();
        if (this.tty) {
            this.bar ??= addBar(this.o.stream ?? process.stderr);
            const fraction = this.total ? this.done / this.total : undefined;
            // cli-progress throttles the redraws itself (fps).
            this.bar.bar.update(0, { line: `${barOf(fraction)}${this.line()}` });
            return;
        }
        const every = this.o.intervalMs ?? 5000;
        // The heartbeat skips its line when an update printed one less than half an interval ago.
        if (t - this.lastEmit < (force ? every / 2 : every))
            return;
        this.lastEmit = t;
        this.o.logger.info(this.line());
    }
    /** The closing line (always printed): what was done, in how long, at what rate. */
    finish() {
        if (this.finished)
            return;
        this.finished = true;
        if (this.timer)
            clearInterval(this.timer);
        this.timer = undefined;
        this.bar?.done();
        this.bar = undefined;
        const elapsed = this.now() - this.started;
        this.o.logger.info(this.o.closing
            ? this.o.closing(this.done, elapsed)
            : `${formatProgress(this.o.label, this.o.unit, this.done, undefined, elapsed)} in ${seconds(elapsed / 1000)}`);
    }
}
/** A pass-through stage that reports the bytes flowing through it (a download's progress). */
function progressStream(p) {
    let bytes = 0;
    return new Transform({
        transform(chunk, _enc, cb) {
            bytes += chunk.length;
            p.update(bytes);
            cb(null, chunk);
        },
        flush(cb) {
            p.finish();
            cb();
        },
        // A failed download ends its bar too (a live bar would otherwise keep redrawing).
        destroy(err, cb) {
            p.finish();
            cb(err);
        },
    });
}

;// CONCATENATED MODULE: ./src/deploy/pull-progress.ts

const LAYER = /(?:^|\s)([0-9a-f]{12}):?\s+(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)(?:\s*\[[^\]]*\])?\s*(?:([0-9.]+\s*[kKMGT]?B)\/([0-9.]+\s*[kKMGT]?B))?/;
const SERVICE = /^Pulling (\S+)\s+\.\.\.\s*(done|error)?/;
// Colour and cursor movement of a terminal-style writer.
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** "12.3MB" → bytes (docker's sizes are decimal: kB = 1000 B). */
function parseSize(text) {
    const m = /^([0-9.]+)\s*([kKMGT]?)B$/.exec(text.trim());
    if (!m)
        return 0;
    const exp = { '': 0, k: 1, K: 1, M: 2, G: 3, T: 4 }[m[2]] ?? 0;
    return Math.round(Number(m[1]) * 1000 ** exp);
}
class PullMeter {
    images;
    layers = new Map();
    servicesDone = new Set();
    rest = '';
    constructor(images) {
        this.images = images;
    }
    /** Feeds a chunk of output (stdout or stderr; lines may be split across chunks). */
    feed(chunk) {
        const parts = `${this.rest}${chunk}`.replace(ANSI, '').split(/\r\n|\r|\n/);
        this.rest = parts.pop() ?? '';
        for (const line of parts)
            this.line(line);
    }
    line(text) {
        const s = SERVICE.exec(text.trim());
        if (s) {
            if (s[2] === 'done')
                this.servicesDone.add(s[1]);
            return;
        }
        const m = LAYER.exec(text);
        if (!m)
            return;
        const [, id, state, cur, tot] = m;
        const layer = this.layers.get(id) ?? { done: false, present: false, current: 0 };
        this.layers.set(id, layer);
        if (state === 'Downloading' && cur && tot) {
            layer.current = parseSize(cur);
            layer.total = parseSize(tot);
        }
        if (state === 'Download complete' || state === 'Extracting' || state === 'Verifying Checksum')
            if (layer.total)
                layer.current = layer.total;
        if (state === 'Pull complete' || state === 'Already exists') {
            layer.done = true;
            layer.present = state === 'Already exists';
            if (layer.total)
                layer.current = layer.total;
        }
    }
    /** Bytes downloaded and the bytes of the layers whose size is known (undefined: none known). */
    bytes() {
        let done = 0;
        let total = 0;
        for (const l of this.layers.values()) {
            if (l.total === undefined)
                continue;
            done += l.current;
            total += l.total;
        }
        return { done, total: total || undefined };
    }
    /** "3 of 7 layers (2 already present), 12.3 MB of 45.6 MB" / "1 of 2 images". */
    summary() {
        const parts = [];
        if (this.layers.size) {
            const done = [...this.layers.values()].filter((l) => l.done);
            const present = done.filter((l) => l.present).length;
            parts.push(`${done.length} of ${this.layers.size} layers${present ? ` (${present} already present)` : ''}`);
            const b = this.bytes();
            if (b.total)
                parts.push(`${mb(b.done)} of ${mb(b.total)}`);
        }
        else
            parts.push(`${this.servicesDone.size} of ${this.images} image(s)`);
        return parts.join(', ');
    }
}
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
/**
 * The progress of one host's pull through the shared reporter: a bar per host on a terminal,
 * otherwise a line per host every few seconds (also while the pull is stalled), and a closing
 * line per host. Feed it the pull's output with `onOutput`.
 */
function pullProgress(host, images, logger, options = {}) {
    const meter = new PullMeter(images);
    const label = `${host} pull`;
    const p = new Progress({
        label,
        unit: 'bytes',
        logger,
        ...options,
        text: (_d, _t, elapsed) => {
            const b = meter.bytes();
            const rate = b.total && elapsed > 0 ? `, ${mb(b.done / (elapsed / 1000))}/s` : '';
            const eta = b.total && b.done > 0 && b.done < b.total
                ? `, ETA ${seconds(((b.total - b.done) / b.done) * (elapsed / 1000))}`
                : '';
            return `${label}: ${meter.summary()}${rate}${eta}, ${seconds(elapsed / 1000)} elapsed`;
        },
        closing: (_d, elapsed) => `${label}: ${meter.summary()} in ${seconds(elapsed / 1000)}`,
    }).start();
    return {
        meter,
        onOutput: (chunk) => {
            meter.feed(chunk);
            const b = meter.bytes();
            p.update(b.done, b.total);
        },
        finish: () => {
            meter.feed('\n');
            p.finish();
        },
    };
}
// tqdm's bar (huggingface_hub, vLLM): "model.safetensors:  45%|████▌     | 2.15G/4.50G [00:10<00:12, 200MB/s]".
const TQDM = /(?:^|\s)(\d{1,3})%\|[^|]*\|\s*([0-9.]+)\s*([kMGT]?)B?\/([0-9.]+)\s*([kMGT]?)B?/;
/** The last tqdm bar in the output: "45 %, 2.1 GB of 4.5 GB" (undefined until one was printed). */
function tqdmStatus(line) {
    const m = TQDM.exec(line);
    if (!m)
        return undefined;
    const size = (n, u) => parseSize(`${n}${u}B`);
    const [done, total] = [size(m[2], m[3]), size(m[4], m[5])];
    return `${m[1]} %, ${(done / 1e9).toFixed(1)} GB of ${(total / 1e9).toFixed(1)} GB`;
}
/**
 * Progress of a GPU model prefetch on one host: a line every few seconds (a bar on a terminal)
 * with the elapsed time and, when the download tool prints tqdm bars, the last one's numbers.
 */
function prefetchProgress(host, logger, options = {}) {
    let last;
    let rest = '';
    const label = `${host} prefetch`;
    const p = new Progress({
        label,
        unit: 'items',
        logger,
        ...options,
        text: (_d, _t, elapsed) => `${label}: ${last ? `${last}, ` : ''}${seconds(elapsed / 1000)} elapsed`,
        closing: (_d, elapsed) => `${label}: done in ${seconds(elapsed / 1000)}`,
    }).start();
    let n = 0;
    return {
        onOutput: (chunk) => {
            const parts = `${rest}${chunk}`.replace(ANSI, '').split(/\r\n|\r|\n/);
            rest = parts.pop() ?? '';
            for (const line of parts)
                last = tqdmStatus(line) ?? last;
            p.update(++n);
        },
        finish: () => p.finish(),
    };
}


/***/ }),

/***/ 681:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   G6: () => (/* binding */ activeRelease),
/* harmony export */   Jo: () => (/* binding */ parseReleaseLog),
/* harmony export */   Po: () => (/* binding */ newReleaseId),
/* harmony export */   Uc: () => (/* binding */ releaseFolder),
/* harmony export */   u1: () => (/* binding */ resolveTarget),
/* harmony export */   v2: () => (/* binding */ retainedImages)
/* harmony export */ });
/* unused harmony export sinceRemoved */
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
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo('to', 'there is no successful release on this environment', 'deploy first');
    if (to === 'previous') {
        const candidates = ok.slice(0, -1).reverse();
        const target = candidates.find((r) => r.image !== active.image || envDiffers(r, active) || r.composeHash !== active.composeHash);
        if (!target)
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo('to', `no earlier successful release than the active ${active.id}`, `releases that can be used: ${listing()}`);
        return target;
    }
    const byId = records.find((r) => r.id === to);
    if (byId) {
        if (byId.result !== 'success')
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ConfigError */ .xL('to', `release ${to} failed (${byId.error ?? 'no detail'}) and cannot be rolled back to`, `use one of: ${listing()}`);
        return byId;
    }
    const byImage = ok
        .filter((r) => r.image === to || r.image.endsWith(`@${to}`) || r.image.split('@')[0]?.endsWith(`:${to}`))
        .at(-1);
    if (byImage)
        return byImage;
    throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ConfigError */ .xL('to', `${JSON.stringify(to)} is not a release id, tag or digest recorded on this environment`, `use previous or one of: ${listing()}`);
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

/***/ 7015:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   DP: () => (/* binding */ renderRole),
/* harmony export */   z6: () => (/* binding */ imageServicesOf)
/* harmony export */ });
/* unused harmony export pullServicesOf */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8815);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(4296);
/* harmony import */ var _env_file_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5535);
/* harmony import */ var _env_hash_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(6561);






/** Services pinned to the deployed app image (none for a role with `appImage: false`). */
function imageServicesOf(role) {
    if (!role.appImage)
        return [];
    return [...new Set([role.service, ...role.imageServices, ...(role.migrate ? [role.migrate.service] : [])])];
}
/** Services whose images are pulled before anything changes: the app image, or the role's own. */
function pullServicesOf(role) {
    return role.appImage ? imageServicesOf(role) : [role.service];
}
function renderRole(roleName, role, repoDir, image, env, releaseId, 
/** The primary host's env-hash key (env-hash.ts): envHash is keyed; without it, plain SHA-256. */
envKey) {
    const pinned = imageServicesOf(role);
    const services = new Map();
    const composeFiles = role.compose.map((file, i) => {
        let doc;
        try {
            doc = (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .parse */ .qg)((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(repoDir, file), 'utf8')) ?? {};
        }
        catch (err) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .ConfigError */ .xL(`roles.${roleName}.compose[${i}]`, `cannot read ${file}: ${err.message}`, 'give a compose file path relative to the repo root');
        }
        if (role.services && doc.services) {
            // A role runs a subset of shared compose files (e.g. only vllm of compose.gpu.yaml).
            for (const name of Object.keys(doc.services))
                if (!role.services.includes(name))
                    delete doc.services[name];
        }
        for (const [name, svc] of Object.entries(doc.services ?? {})) {
            services.set(name, { ...(services.get(name) ?? {}), ...svc });
            if (pinned.includes(name))
                svc.image = image;
        }
        // YAML 1.1 output: compose v1 reads with PyYAML, where an unquoted `no`/`on` is a boolean.
        return {
            name: `compose-${i}-${node_path__WEBPACK_IMPORTED_MODULE_1__.posix.basename(file)}`,
            content: (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .stringify */ .As)(doc, { lineWidth: 0, version: '1.1' }),
        };
    });
    for (const s of [...new Set([role.service, ...pinned, ...(role.services ?? [])])]) {
        if (!services.has(s))
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .ConfigError */ .xL(`roles.${roleName}`, `service ${JSON.stringify(s)} is not in ${role.compose.join(', ')}`, `use one of: ${[...services.keys()].join(', ')}`);
    }
    if (role.proxy && !services.has(role.proxy.service)) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .ConfigError */ .xL(`roles.${roleName}.proxy.service`, `${JSON.stringify(role.proxy.service)} is not a service of ${role.compose.join(', ')}`, `use one of: ${[...services.keys()].join(', ')}`);
    }
    const oneOff = new Set([role.migrate?.service, role.prefetch?.service].filter(Boolean));
    const supportServices = [...services.entries()]
        .filter(([n, s]) => n !== role.service && n !== role.proxy?.service && !oneOff.has(n) && !s.profiles)
        .map(([n]) => n);
    // A role without the app image (vLLM) still receives the deploy's env (e.g. HF_TOKEN).
    const envServices = pinned.length ? pinned : [role.service];
    const overlay = (0,_env_file_js__WEBPACK_IMPORTED_MODULE_4__/* .envOverlay */ .kN)(envServices, { ...env, RAGSHIP_RELEASE: releaseId });
    const composeEnv = Object.entries(role.vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join('');
    const files = role.files.map((f) => {
        try {
            return { path: f, content: (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(repoDir, f)) };
        }
        catch (err) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .ConfigError */ .xL(`roles.${roleName}.files`, `cannot read ${f}: ${err.message}`, 'list files that exist, relative to the repo root');
        }
    });
    // The compose hash covers everything but secrets, so a rollback shows what changed.
    const composeHash = (0,_env_file_js__WEBPACK_IMPORTED_MODULE_4__/* .sha256 */ .sc)([
        ...composeFiles.map((f) => f.content),
        composeEnv,
        ...files.map((f) => `${f.path}\0${f.content.toString('base64')}`),
    ].join('\0'));
    const envMaterial = (0,_env_file_js__WEBPACK_IMPORTED_MODULE_4__/* .envOverlay */ .kN)(envServices, env);
    const envHash = envKey ? (0,_env_hash_js__WEBPACK_IMPORTED_MODULE_5__/* .keyedEnvHash */ .u)(envKey, envMaterial) : (0,_env_file_js__WEBPACK_IMPORTED_MODULE_4__/* .sha256 */ .sc)(envMaterial);
    return {
        role: roleName,
        composeFiles,
        envOverlay: { name: 'env.yaml', content: overlay },
        composeEnv: { name: 'compose.env', content: composeEnv },
        files,
        services: [...services.keys()],
        supportServices,
        composeHash,
        envHash,
    };
}


/***/ }),

/***/ 3562:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  G: () => (/* binding */ EnvSession),
  X: () => (/* binding */ admitEnv)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/config/load.ts + 20 modules
var load = __webpack_require__(811);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/remote-host.ts + 7 modules
var remote_host = __webpack_require__(2855);
// EXTERNAL MODULE: ./src/core/ssh-proxy.ts
var ssh_proxy = __webpack_require__(5828);
// EXTERNAL MODULE: ./src/core/validate.ts
var validate = __webpack_require__(993);
// EXTERNAL MODULE: ./src/preflight/host-check.ts
var host_check = __webpack_require__(1764);
// EXTERNAL MODULE: ./src/deploy/commands.ts
var commands = __webpack_require__(9353);
;// CONCATENATED MODULE: ./src/deploy/gpu.ts


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
    const smi = await host.exec(commands/* nvidiaSmiQuery */.Hm, { allowFailure: true });
    const verdict = parseNvidiaSmi(smi.code, smi.stdout, smi.stderr);
    if (!verdict.ok)
        throw new errors/* UserError */.yo(`${host.label} GPU preflight`, verdict.problem, verdict.fix);
    const runtimes = await host.exec(commands/* dockerRuntimes */.wh, { allowFailure: true });
    if (!hasNvidiaRuntime(runtimes.stdout)) {
        throw new errors/* UserError */.yo(`${host.label} GPU preflight`, 'Docker has no nvidia runtime: the NVIDIA Container Toolkit is not configured', 'install nvidia-container-toolkit and run `nvidia-ctk runtime configure --runtime=docker`, then restart docker');
    }
    const vram = checkVram(verdict.gpus, need);
    if (!vram.ok)
        throw new errors/* UserError */.yo(`${host.label} GPU preflight`, vram.message, 'stop the process holding GPU memory, or lower gpu.minFreeVramMiB / --gpu-memory-utilization');
    logger.info(`${host.label}: ${vram.message}`);
    return verdict.gpus;
}

// EXTERNAL MODULE: ./src/deploy/layout.ts
var layout = __webpack_require__(4533);
// EXTERNAL MODULE: ./src/deploy/release-log.ts
var release_log = __webpack_require__(681);
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
            throw new errors/* UserError */.yo(`env ${k}`, 'is required by ragship.yml (requiredEnv) but was not given', `add ${k}=… to the env input`);
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
        return new layout/* ReleaseLayout */.U(h.root, this.app, this.inputs.environment);
    }
    /**
     * Resolves the deploy root of `h` once (the deploy user's home decides the default): the one
     * place it is computed, for deploy, rollback, releases, sleep and status alike.
     */
    async resolveRoot(h) {
        if (!h.root) {
            const home = (await h.host.exec(commands/* homeDir */.lw, { where: `${h.key} home` })).stdout.trim();
            h.root = (0,layout/* deployRoot */.C)({ root: this.env.root, app: this.app, environment: this.inputs.environment, home });
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
            const facts = await (0,host_check/* checkHost */.RC)(h.host, this.ports.logger, h.root);
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
                    await gpuPreflight(h.host, { minFreeVramMiB: r.gpu.minFreeVramMiB }, this.ports.logger);
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


/***/ }),

/***/ 3369:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Es: () => (/* binding */ publishStatic),
/* harmony export */   mq: () => (/* binding */ staticPlan),
/* harmony export */   st: () => (/* binding */ extractStatic)
/* harmony export */ });
/* unused harmony export staticSource */
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _commands_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9353);


const staticSource = (releaseRoleDir) => node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(releaseRoleDir, 'static');
/** The plan for release folder `folder` (and `previousFolder`, serving now) of a role on a host. */
function staticPlan(s, h, roleName, st, image, folder, previousFolder) {
    const published = node_path__WEBPACK_IMPORTED_MODULE_0__.posix.join(s.projectDir(h, roleName), st.dir);
    const at = (id) => ({
        from: st.from,
        source: staticSource(s.releaseDir(h, id, roleName)),
        published,
    });
    return { image, release: at(folder), previous: previousFolder ? at(previousFolder) : undefined };
}
/**
 * Extracts the image's folder into the release folder, unless a complete copy is there (a
 * rollback re-uses the one its deploy extracted; a pruned image was pulled back before).
 */
async function extractStatic(host, image, s) {
    if ((await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .isDirectory */ .wd)(s.source), { allowFailure: true })).code === 0)
        return false;
    const partial = `${s.source}.partial`;
    await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .removeTree */ .dM)(partial));
    await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .mkdirs */ .Nc)(partial, s.published));
    const id = (await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .createForCopy */ .FO)(image), { where: `${host.label} static files of ${image}` })).stdout.trim();
    try {
        await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .copyOut */ .ew)(id, s.from, partial), { where: `${host.label} copy ${s.from} out of the image` });
    }
    finally {
        await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .removeContainers */ .Dn)([id]), { allowFailure: true });
    }
    await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .makeReadable */ .Dy)(partial));
    await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .renameTree */ .nG)(partial, s.source));
    return true;
}
async function publishStatic(host, s, phase) {
    await host.exec((0,_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .publishFiles */ .bg)(s.source, s.published, phase), {
        where: `${host.label} publish ${phase === 'assets' ? 'static assets' : 'pages'}`,
    });
}


/***/ }),

/***/ 3725:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Mp: () => (/* binding */ recreateSwitch),
  OF: () => (/* binding */ zeroDowntimeSwitch)
});

// UNUSED EXPORTS: formatPhases, upstreamBlock

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/deploy/commands.ts
var commands = __webpack_require__(9353);
;// CONCATENATED MODULE: ./src/deploy/health.ts


function parseInspect(stdout) {
    return stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
        const [id = '', name = '', ips = '', health = '', status = '', image = ''] = l.split('\t');
        return {
            id,
            name: name.replace(/^\//, ''),
            ips: ips.trim().split(/\s+/).filter(Boolean),
            health,
            status,
            image,
        };
    });
}
async function inspect(host, ids) {
    if (ids.length === 0)
        return [];
    return parseInspect((await host.exec((0,commands/* inspectContainers */.Xu)(ids))).stdout);
}
/** One probe of one container; returns what failed, or undefined when healthy. */
async function probe(host, c, h) {
    if (h.compose) {
        const [now] = await inspect(host, [c.id]);
        if (!now)
            return 'container is gone';
        if (now.health !== 'healthy')
            return `compose health is ${now.health}`;
    }
    if (!h.http)
        return undefined;
    const ip = c.ips[0];
    if (!ip)
        return 'container has no network address';
    const base = `http://${ip.includes(':') ? `[${ip}]` : ip}:${h.port}`;
    const r = await host.exec((0,commands/* httpGet */.lx)(`${base}${h.http}`), { allowFailure: true });
    if (r.code !== 0)
        return `GET ${h.http}: ${r.stderr.trim() || `curl exit ${r.code}`}`;
    if (!h.openai)
        return undefined;
    // vLLM: /health turns 200 once the model is loaded; prove it serves with a one-token completion.
    const models = await host.exec((0,commands/* httpGet */.lx)(`${base}/v1/models`), { allowFailure: true });
    if (models.code !== 0)
        return `GET /v1/models: ${models.stderr.trim()}`;
    let model;
    try {
        model = JSON.parse(models.stdout).data?.[0]?.id;
    }
    catch {
        return 'GET /v1/models did not return JSON';
    }
    if (!model)
        return 'GET /v1/models lists no model';
    const done = await host.exec((0,commands/* httpPostJson */.hu)(`${base}/v1/completions`, { model, prompt: 'ping', max_tokens: 1, temperature: 0 }, 120), { allowFailure: true });
    if (done.code !== 0)
        return `POST /v1/completions: ${done.stderr.trim()}`;
    try {
        const body = JSON.parse(done.stdout);
        if (!Array.isArray(body.choices) || body.choices.length === 0)
            return 'completion returned no choices';
    }
    catch {
        return 'completion did not return JSON';
    }
    return undefined;
}
/**
 * Waits until every container passes `successes` consecutive probes, or fails after the
 * timeout (or at once if a container exits). Returns milliseconds until healthy.
 */
async function waitHealthy(host, ids, h, logger, what) {
    const started = Date.now();
    const deadline = started + h.timeout * 1000;
    const streak = new Map();
    let last = '';
    for (;;) {
        const infos = await inspect(host, ids);
        for (const c of infos) {
            if (c.status === 'exited' || c.status === 'dead') {
                throw new errors/* UserError */.yo(`${host.label} health gate`, `${what}: container ${c.name} ${c.status} before turning healthy`, 'see the container logs below');
            }
            if ((streak.get(c.id) ?? 0) >= h.successes)
                continue;
            const problem = await probe(host, c, h);
            if (problem) {
                streak.set(c.id, 0);
                if (problem !== last)
                    logger.info(`${what}: ${c.name} not healthy yet (${problem})`);
                last = problem;
            }
            else
                streak.set(c.id, (streak.get(c.id) ?? 0) + 1);
        }
        if (infos.length === ids.length && infos.every((c) => (streak.get(c.id) ?? 0) >= h.successes))
            return Date.now() - started;
        if (Date.now() >= deadline) {
            throw new errors/* UserError */.yo(`${host.label} health gate`, `${what} did not turn healthy within ${h.timeout} s (last: ${last || 'no answer'})`, 'see the container logs below; raise health.timeout if the service needs longer to start');
        }
        await new Promise((r) => setTimeout(r, h.interval * 1000));
    }
}

// EXTERNAL MODULE: ./src/deploy/pull-progress.ts + 1 modules
var pull_progress = __webpack_require__(6222);
// EXTERNAL MODULE: ./src/deploy/static.ts
var deploy_static = __webpack_require__(3369);
;// CONCATENATED MODULE: ./src/deploy/stop-old.ts

/**
 * Stopping the containers a zero-downtime switch replaced. By then nginx sends nothing to them
 * (reloaded, drained), so the deploy does not wait out their stop: a container whose PID 1
 * ignores SIGTERM (a shell running node, or node as PID 1 without a handler: the kernel drops
 * signals PID 1 has no handler for) would otherwise hold every deploy for the full stop grace.
 * `docker stop --time <grace>` runs detached on the host; the deploy waits at most a short
 * settle window, removes what exited, and warns about what did not.
 */
/** How long the deploy waits for old containers to exit on their stop signal. */
const STOP_SETTLE_SECONDS = 5;
/**
 * Before a switch: old containers of an earlier switch still in their background stop are
 * waited for (at most their grace and a minute, then removed by force), so compose never sees
 * a container disappear while it scales. Stale markers (a host reboot) are dropped.
 */
async function awaitEarlierStops(host, markerDir, graceSeconds, logger) {
    const listed = (await host.exec((0,commands/* stopMarkers */.UP)(markerDir), { allowFailure: true })).stdout
        .split('\n')
        .map((s) => s.trim())
        .filter((s) => /^[a-f0-9]{12,64}$/.test(s));
    if (listed.length === 0)
        return;
    const limit = performance.now() + (graceSeconds + 60) * 1000;
    let left = listed;
    let told = false;
    for (;;) {
        const r = await host.exec((0,commands/* exitStates */.rY)(left), { allowFailure: true });
        left = parseExitStates(r.stdout).map((s) => s.id.slice(0, 64));
        left = listed.filter((id) => left.some((l) => l.startsWith(id) || id.startsWith(l)));
        if (left.length === 0 || performance.now() >= limit)
            break;
        if (!told) {
            logger.info(`${host.label}: waiting for ${left.length} old container(s) of the previous switch to finish stopping (SIGKILL after stopGrace)`);
            told = true;
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
    if (left.length)
        await host.exec((0,commands/* removeContainers */.Dn)(left), { allowFailure: true });
    await host.exec((0,commands/* removeStopMarkers */.sV)(markerDir, listed), { allowFailure: true });
}
function parseExitStates(stdout) {
    return stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
        const [id = '', status = '', code = '', oom = ''] = l.split('\t');
        return {
            id,
            running: status === 'running' || status === 'restarting' || status === 'paused',
            killed: code === '137' && oom !== 'true',
        };
    });
}
const sigkillAdvice = (service) => `its PID 1 does not act on SIGTERM (a shell running the server, or node as PID 1 without a SIGTERM handler). Set \`init: true\` on ${service} in compose (tini forwards the signal), start the server with \`exec\` from the entrypoint, or set STOPSIGNAL to a signal it handles`;
async function stopOld(o) {
    const { host, ids, logger } = o;
    const t = performance.now();
    const label = `${host.label}: old ${o.service} ${o.names.join(', ')}`;
    if (ids.length === 0)
        return { ms: 0, pending: [], killed: [] };
    if (o.wait) {
        await host.exec((0,commands/* stopContainers */.F_)(ids, o.graceSeconds), { where: `${host.label} stop old ${o.service}` });
        const states = parseExitStates((await host.exec((0,commands/* exitStates */.rY)(ids), { allowFailure: true })).stdout);
        const killed = states.filter((s) => s.killed).map((s) => s.id);
        await host.exec((0,commands/* removeContainers */.Dn)(ids), { where: `${host.label} remove old ${o.service}` });
        if (killed.length)
            logger.warn(`${label} needed SIGKILL after ${o.graceSeconds} s: ${sigkillAdvice(o.service)}`);
        else
            logger.info(`${host.label}: stopped ${o.names.join(', ')}`);
        return { ms: performance.now() - t, pending: [], killed };
    }
    await host.exec((0,commands/* stopInBackground */.al)(ids, o.graceSeconds, o.markerDir), {
        where: `${host.label} stop old ${o.service}`,
    });
    const settleMs = Math.min(o.graceSeconds, o.settleSeconds ?? STOP_SETTLE_SECONDS) * 1000;
    let states = [];
    for (;;) {
        const r = await host.exec((0,commands/* exitStates */.rY)(ids), { allowFailure: true });
        states = parseExitStates(r.stdout);
        if (!states.some((s) => s.running) || performance.now() - t >= settleMs)
            break;
        await new Promise((r) => setTimeout(r, 250));
    }
    const pending = states.filter((s) => s.running).map((s) => s.id);
    const killed = states.filter((s) => !s.running && s.killed).map((s) => s.id);
    const exited = states.filter((s) => !s.running).map((s) => s.id);
    // What exited is removed now (the detached job's own rm then finds nothing): a deploy that
    // returns leaves no stopped containers behind unless one is still stopping.
    if (exited.length) {
        await host.exec((0,commands/* removeContainers */.Dn)(exited), { allowFailure: true });
        await host.exec((0,commands/* removeStopMarkers */.sV)(o.markerDir, exited), { allowFailure: true });
    }
    if (pending.length)
        logger.warn(`${label} still running ${Math.round(settleMs / 1000)} s after its stop signal; traffic has moved, so the deploy does not wait: docker stops it with SIGKILL after stopGrace (${o.graceSeconds} s) in the background. Likely ${sigkillAdvice(o.service)}`);
    else if (killed.length)
        logger.warn(`${label} needed SIGKILL: ${sigkillAdvice(o.service)}`);
    else
        logger.info(`${host.label}: stopped ${o.names.join(', ')}`);
    return { ms: performance.now() - t, pending, killed };
}

;// CONCATENATED MODULE: ./src/deploy/switch.ts







/** One line saying where a switch's time went, e.g. `start 1.2 s · healthy 0.9 s · …`. */
function formatPhases(phases) {
    return Object.entries(phases)
        .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
        .join(' · ');
}
async function ids(host, project, service, all = false) {
    const r = await host.exec((0,commands/* serviceContainers */.gd)(project, service, all));
    return r.stdout
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
}
function upstreamBlock(upstream, servers, port) {
    const lines = servers.map((c) => `  server ${c.name}:${port} max_fails=0;`);
    return `# written by ragship; names only containers that passed the health gate\nupstream ${upstream} {\n${lines.join('\n')}\n}\n`;
}
async function printLogs(ctx, containers) {
    let all = '';
    for (const id of containers) {
        const r = await ctx.host.exec((0,commands/* containerLogs */.BX)(id), { allowFailure: true });
        const text = `${r.stdout}${r.stderr}`.trim();
        all += `${text}\n`;
        ctx.logger.error(`logs of ${ctx.roleName}/${ctx.role.service} ${id.slice(0, 12)} on ${ctx.host.label}:\n${text || '(no output)'}`);
    }
    return all;
}
/**
 * Zero-downtime: new containers start beside the old ones; only after they pass the health
 * gate does nginx's upstream name them (graceful reload: in-flight requests finish on the old
 * workers), then the old containers drain and stop. Any failure before the reload leaves the
 * old containers serving and removes the new ones; a failure after restores the old upstream.
 */
async function zeroDowntimeSwitch(ctx) {
    const { host, role, target, logger } = ctx;
    const proxy = role.proxy;
    if (ctx.supportServices.length)
        await host.exec((0,commands/* upServices */.KY)(target, ctx.supportServices), {
            where: `${host.label} start ${ctx.supportServices.join(', ')}`,
        });
    const stopping = external_node_path_.posix.join(target.projectDir, '.ragship-stopping');
    await awaitEarlierStops(host, stopping, role.stopGrace, logger);
    const old = await ids(host, target.project, role.service);
    const before = await ids(host, target.project, role.service, true);
    // New = every container (running or not) that was not there before: a start that fails
    // (port already allocated) or a container that exits at once is still ours to remove.
    const phases = {};
    let mark = performance.now();
    const lap = (name) => {
        const now = performance.now();
        phases[name] = Math.round(now - mark);
        mark = now;
    };
    const created = async () => (await ids(host, target.project, role.service, true)).filter((id) => !before.includes(id));
    try {
        await host.exec((0,commands/* scaleBeside */.dp)(target, role.service, old.length + role.replicas), {
            where: `${host.label} start new ${role.service}`,
        });
    }
    catch (err) {
        const strays = await created().catch(() => []);
        logger.error(`${host.label}: starting the new ${role.service} failed; keeping the old one serving${strays.length ? `, removing ${strays.length} new container(s)` : ''}`);
        await printLogs(ctx, strays).catch(() => undefined);
        if (strays.length)
            await host.exec((0,commands/* removeContainers */.Dn)(strays), { allowFailure: true }).catch(() => undefined);
        throw err;
    }
    const fresh = await created();
    lap('start');
    if (fresh.length === 0)
        throw new errors/* UserError */.yo(`${host.label} switch`, `compose started no new ${role.service} container`, 'check `docker-compose ps` on the host');
    const upstreamPath = external_node_path_.posix.join(target.projectDir, proxy.file);
    let switched = false;
    let pagesSwitched = false;
    try {
        const healthyMs = await waitHealthy(host, fresh, role.health, logger, `new ${role.service}`);
        lap('healthy');
        const fresh_ = await inspect(host, fresh);
        const oldInfo = await inspect(host, old);
        // New hashed assets beside the old ones: the old page keeps loading its own while it drains.
        if (ctx.static)
            await (0,deploy_static/* publishStatic */.Es)(host, ctx.static.release, 'assets');
        await host.exec((0,commands/* mkdirs */.Nc)(external_node_path_.posix.dirname(upstreamPath)));
        await host.upload(upstreamPath, upstreamBlock(proxy.upstream, fresh_, proxy.port), 0o644);
        switched = true;
        await host.exec((0,commands/* upServices */.KY)(target, [proxy.service]), { where: `${host.label} start ${proxy.service}` });
        const [proxyId] = await ids(host, target.project, proxy.service);
        if (!proxyId)
            throw new errors/* UserError */.yo(`${host.label} switch`, `${proxy.service} is not running`, 'check its logs on the host');
        await host.exec((0,commands/* proxyTest */.vu)(proxyId), { where: `${host.label} nginx -t` });
        await host.exec((0,commands/* proxyReload */.M4)(proxyId), { where: `${host.label} nginx reload` });
        lap('nginx reload');
        logger.info(`${host.label}: ${proxy.service} now sends ${proxy.upstream} to ${fresh_.map((c) => c.name).join(', ')}`);
        if (ctx.static) {
            // The pages switch with the app: from now on `/` is the new release's page.
            pagesSwitched = true;
            await (0,deploy_static/* publishStatic */.Es)(host, ctx.static.release, 'pages');
        }
        await new Promise((r) => setTimeout(r, proxy.drain * 1000));
        lap('drain');
        const stop = await stopOld({
            host,
            ids: old,
            names: oldInfo.map((c) => c.name),
            service: role.service,
            graceSeconds: role.stopGrace,
            logger,
            markerDir: stopping,
            wait: ctx.waitForOldStop,
        });
        lap('old stop');
        logger.info(`${host.label}: switch ${ctx.roleName}: ${formatPhases(phases)}`);
        return {
            timeToHealthyMs: healthyMs,
            started: fresh,
            stopped: old,
            phasesMs: phases,
            ...(stop.pending.length ? { stopping: stop.pending } : {}),
        };
    }
    catch (err) {
        logger.error(`${host.label}: switch failed (${(0,errors/* errorMessage */.gJ)(err)}); keeping the old ${role.service} serving`);
        await printLogs(ctx, fresh).catch(() => undefined);
        await restoreUpstream(ctx, old, upstreamPath, switched).catch((e) => logger.error(`${host.label}: restoring the old upstream failed: ${(0,errors/* errorMessage */.gJ)(e)}`));
        if (pagesSwitched && old.length)
            await restorePages(ctx);
        await host.exec((0,commands/* removeContainers */.Dn)(fresh), { allowFailure: true }).catch(() => undefined);
        throw err;
    }
}
async function restoreUpstream(ctx, old, upstreamPath, switched) {
    if (!switched || old.length === 0)
        return;
    const proxy = ctx.role.proxy;
    const oldInfo = await inspect(ctx.host, old);
    await ctx.host.upload(upstreamPath, upstreamBlock(proxy.upstream, oldInfo, proxy.port), 0o644);
    const [proxyId] = await ids(ctx.host, ctx.target.project, proxy.service);
    if (proxyId)
        await ctx.host.exec((0,commands/* proxyReload */.M4)(proxyId));
}
async function restorePages(ctx) {
    const previous = ctx.static?.previous;
    if (!previous)
        return;
    await (0,deploy_static/* publishStatic */.Es)(ctx.host, previous, 'pages').catch((e) => ctx.logger.error(`${ctx.host.label}: restoring the previous pages failed: ${(0,errors/* errorMessage */.gJ)(e)}`));
}
/**
 * Recreate (GPU role: one GPU cannot hold two vLLM servers): stop old, start new, health gate
 * with a long start period; on failure the previous release is recreated and waited for.
 */
async function recreateSwitch(ctx) {
    const { host, role, target, logger } = ctx;
    if (ctx.supportServices.length)
        await host.exec((0,commands/* upServices */.KY)(target, ctx.supportServices), {
            where: `${host.label} start ${ctx.supportServices.join(', ')}`,
        });
    if (role.prefetch) {
        // Before the old server stops: a failure here changes nothing that serves.
        const p = role.prefetch;
        const progress = (0,pull_progress/* prefetchProgress */.fp)(host.label, logger);
        const r = await host
            .exec((0,commands/* runOnce */.Jh)(target, p.service, p.command, p.entrypoint), {
            allowFailure: true,
            timeoutMs: p.timeout * 1000,
            where: `${host.label} prefetch`,
            onStdout: progress.onOutput,
            onStderr: progress.onOutput,
        })
            .finally(progress.finish);
        if (r.code !== 0)
            throw new errors/* UserError */.yo(`${host.label} prefetch`, `the prefetch run of ${p.service} exited with status ${r.code}; the old ${role.service} keeps serving:\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-20).join('\n')}`, 'fix the prefetch command (model name, HF_TOKEN, disk) and deploy again');
        logger.info(`${host.label}: prefetch done (${p.service})`);
    }
    const old = await ids(host, target.project, role.service);
    const phases = {};
    let mark = performance.now();
    const lap = (name) => {
        const now = performance.now();
        phases[name] = Math.round(now - mark);
        mark = now;
    };
    let fresh = [];
    let pagesSwitched = false;
    try {
        // Inside the try: a recreate that fails half-way (old stopped, new not started) restores too.
        await host.exec((0,commands/* recreate */.UD)(target, role.service), { where: `${host.label} recreate ${role.service}` });
        fresh = await ids(host, target.project, role.service);
        lap('recreate');
        const healthyMs = await waitHealthy(host, fresh, role.health, logger, `new ${role.service}`);
        lap('healthy');
        logger.info(`${host.label}: switch ${ctx.roleName}: ${formatPhases(phases)}`);
        if (ctx.static) {
            await (0,deploy_static/* publishStatic */.Es)(host, ctx.static.release, 'assets');
            pagesSwitched = true;
            await (0,deploy_static/* publishStatic */.Es)(host, ctx.static.release, 'pages');
        }
        return { timeToHealthyMs: healthyMs, started: fresh, stopped: old, phasesMs: phases };
    }
    catch (err) {
        await printLogs(ctx, fresh).catch(() => undefined);
        if (pagesSwitched)
            await restorePages(ctx);
        if (ctx.previous) {
            logger.warn(`${host.label}: recreating the previous release of ${role.service}`);
            await host
                .exec((0,commands/* recreate */.UD)(ctx.previous, role.service))
                .catch((e) => logger.error(`restore failed: ${(0,errors/* errorMessage */.gJ)(e)}`));
            const back = await ids(host, target.project, role.service).catch(() => []);
            await waitHealthy(host, back, role.health, logger, `previous ${role.service}`).catch((e) => logger.error(`the previous release is not healthy either: ${(0,errors/* errorMessage */.gJ)(e)}`));
        }
        throw err;
    }
}


/***/ }),

/***/ 1764:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RC: () => (/* binding */ checkHost)
/* harmony export */ });
/* unused harmony exports detectCompose, freeDiskBytes */
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);

/** Detects compose v2 (`docker compose`) first, then v1 (`docker-compose`). */
async function detectCompose(host) {
    const v2 = await host.exec(['docker', 'compose', 'version', '--short'], { allowFailure: true });
    if (v2.code === 0 && v2.stdout.trim())
        return { compose: ['docker', 'compose'], version: v2.stdout.trim() };
    const v1 = await host.exec(['docker-compose', 'version', '--short'], { allowFailure: true });
    if (v1.code === 0 && v1.stdout.trim())
        return { compose: ['docker-compose'], version: v1.stdout.trim() };
    throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(host.label, 'neither `docker compose` (v2) nor `docker-compose` (v1) works', 'install the docker compose plugin (ragship provision does it)');
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
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .UserError */ .yo(host.label, `docker does not answer for this user: ${docker.stderr.trim().split('\n').pop()}`, 'install Docker and add the deploy user to the docker group');
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


/***/ }),

/***/ 7791:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  listReleases: () => (/* binding */ listReleases),
  runRollback: () => (/* binding */ runRollback),
  validateTo: () => (/* binding */ validateTo)
});

// EXTERNAL MODULE: ./src/config/load.ts + 20 modules
var load = __webpack_require__(811);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/report.ts
var core_report = __webpack_require__(8557);
// EXTERNAL MODULE: ./src/core/validate.ts
var core_validate = __webpack_require__(993);
// EXTERNAL MODULE: ./src/deploy/apply.ts + 2 modules
var apply = __webpack_require__(328);
// EXTERNAL MODULE: ./src/deploy/commands.ts
var commands = __webpack_require__(9353);
// EXTERNAL MODULE: ./src/deploy/failure.ts
var failure = __webpack_require__(4457);
// EXTERNAL MODULE: ./src/deploy/layout.ts
var layout = __webpack_require__(4533);
// EXTERNAL MODULE: ./src/deploy/release-log.ts
var release_log = __webpack_require__(681);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/config/check.ts





/**
 * `ragship config check`: ragship.yml and every file it references, with no connection. The
 * same check runs at the start of every deploy (CLI and action), so a missing compose file or a
 * switched service that cannot run twice fails before SSH opens.
 */
/** What a deploy checks only once it is connected (said by `config check` and `--dry-run`). */
const check_CONNECTED_CHECKS = (/* unused pure expression or super */ null && ([
    'host keys against known_hosts / fingerprints',
    'SSH login as the deploy user',
    'docker and compose on each host, free disk, GPU (roles with gpu:)',
    'registry login and the image digest',
    'the deploy lock',
]));
/**
 * Where ragship.yml and the files it names are. With a working directory (the action's
 * `working-directory`, the CLI's `--working-directory`) a relative config path is inside it and
 * the files are read from it; without one the files are read from the folder of ragship.yml.
 */
function projectPaths(config, workingDirectory, cwd = process.cwd()) {
    if (workingDirectory) {
        const dir = resolve(cwd, workingDirectory);
        return { configPath: isAbsolute(config) ? config : join(dir, config), dir };
    }
    const configPath = resolve(cwd, config);
    return { configPath, dir: dirname(configPath) };
}
/** A port entry that binds a fixed host port (two scaled containers cannot both bind it). */
function hostPortOf(entry) {
    if (typeof entry === 'number')
        return undefined; // container port only: an ephemeral host port
    if (typeof entry === 'string') {
        const spec = entry.replace(/\/(tcp|udp|sctp)$/, '');
        // "8080" or "8080-8081": container ports only. "H:C", "IP:H:C", "[::1]:H:C": a host port.
        const withoutIp = spec.replace(/^\[[^\]]*\]:/, '').replace(/^[0-9.]+:(?=[^:]*:)/, '');
        const parts = withoutIp.split(':');
        if (parts.length < 2)
            return undefined;
        return parts[0] ? entry : undefined;
    }
    if (entry && typeof entry === 'object' && 'published' in entry) {
        const p = entry.published;
        return p === undefined || p === '' ? undefined : JSON.stringify(entry);
    }
    return undefined;
}
function readCompose(dir, file, where, problems) {
    const path = join(dir, file);
    if (!existsSync(path)) {
        problems.push(`${where}: ${file} does not exist in ${dir} — paths are relative to the folder of ragship.yml (or --working-directory); fix the path or move ragship.yml next to the compose files`);
        return undefined;
    }
    let doc;
    try {
        doc = parseYaml(readFileSync(path, 'utf8'), { merge: true });
    }
    catch (err) {
        problems.push(`${where}: ${file} is not valid YAML (${err.message.split('\n')[0]}) — fix its syntax`);
        return undefined;
    }
    const services = doc?.services;
    if (!services || typeof services !== 'object') {
        problems.push(`${where}: ${file} has no services: — give a compose file with a services: section`);
        return undefined;
    }
    return services;
}
function checkRole(envName, roleName, role, dir, problems, warnings) {
    const at = `environments.${envName}.roles.${roleName}`;
    const services = new Map();
    const inFiles = new Set();
    role.compose.forEach((file, i) => {
        const s = readCompose(dir, file, `${at}.compose[${i}]`, problems);
        for (const [name, svc] of Object.entries(s ?? {})) {
            inFiles.add(name);
            if (role.services && !role.services.includes(name))
                continue;
            services.set(name, { ...(services.get(name) ?? {}), ...(svc ?? {}) });
        }
    });
    const known = [...services.keys()];
    const composeNames = role.compose.join(', ');
    const must = (service, key) => {
        if (!service || services.size === 0 || services.has(service))
            return;
        problems.push(`${at}.${key}: service ${JSON.stringify(service)} is not in ${composeNames}${role.services ? ' (after services:)' : ''} — use one of: ${known.join(', ') || '(none)'}`);
    };
    must(role.service, 'service');
    for (const [i, s] of role.imageServices.entries())
        must(s, `imageServices[${i}]`);
    for (const [i, s] of (role.services ?? []).entries()) {
        if (inFiles.size > 0 && !inFiles.has(s))
            problems.push(`${at}.services[${i}]: ${JSON.stringify(s)} is not a service of ${composeNames} — remove it or fix the name`);
    }
    must(role.migrate?.service, 'migrate.service');
    must(role.prefetch?.service, 'prefetch.service');
    must(role.proxy?.service, 'proxy.service');
    const switched = services.get(role.service);
    if (switched && (role.strategy === 'zero-downtime' || role.replicas > 1)) {
        const why = role.strategy === 'zero-downtime'
            ? 'the zero-downtime switch runs the new container beside the old one (--scale)'
            : `replicas: ${role.replicas} runs several containers of it`;
        if (switched.container_name !== undefined)
            problems.push(`${at}.service: compose service ${JSON.stringify(role.service)} sets container_name (${String(switched.container_name)}), but ${why} and two containers cannot share a name — remove container_name from the service`);
        const fixed = (Array.isArray(switched.ports) ? switched.ports : []).map(hostPortOf).filter(Boolean);
        if (fixed.length)
            problems.push(`${at}.service: compose service ${JSON.stringify(role.service)} publishes host port(s) ${fixed.join(', ')}, but ${why} and two containers cannot bind one host port — replace ports: with expose: ["${role.proxy?.port ?? role.health.port}"]; the proxy (${role.proxy?.service ?? 'nginx'}) publishes the public ports`);
    }
    const files = [
        ...role.files,
        ...(role.proxy?.tls?.acme.serverConf ? [role.proxy.tls.acme.serverConf] : []),
    ];
    files.forEach((f) => {
        const path = join(dir, f);
        const key = role.files.includes(f) ? `${at}.files` : `${at}.proxy.tls.acme.serverConf`;
        if (!existsSync(path))
            problems.push(`${key}: ${f} does not exist in ${dir} — list files that exist, relative to the folder of ragship.yml`);
        else if (!statSync(path).isFile())
            problems.push(`${key}: ${f} is a folder — list files, one by one`);
    });
    if (role.proxy?.tls?.acme.serverConf && !role.files.includes(role.proxy.tls.acme.serverConf))
        problems.push(`${at}.proxy.tls.acme.serverConf: ${role.proxy.tls.acme.serverConf} is not in files: — add it to files: so it is copied to the host`);
    if (role.proxy) {
        // The nginx config must use the upstream ragship rewrites; warn when no copied file names it.
        const mentions = role.files.some((f) => {
            try {
                return readFileSync(join(dir, f), 'utf8').includes(role.proxy.upstream);
            }
            catch {
                return false;
            }
        });
        if (!mentions)
            warnings.push(`${at}.proxy.upstream: no file in files: mentions ${JSON.stringify(role.proxy.upstream)} — the nginx config must \`include\` the folder of proxy.file (${dirname(role.proxy.file)}) and \`proxy_pass http://${role.proxy.upstream}\` (ignore this when the config is built into the nginx image)`);
    }
    return `${envName}/${roleName}: ${role.compose.join(', ')} (${known.length} services), service ${role.service}${role.proxy ? `, proxy ${role.proxy.service}` : ''}${role.files.length ? `, files ${role.files.join(', ')}` : ''}`;
}
/**
 * Checks a loaded config's files for one environment (or all). Throws one ConfigError that lists
 * every problem, each with its fix.
 */
function check_checkProject(config, options) {
    const names = options.environment
        ? (environmentOf(config, options.environment), [options.environment])
        : Object.keys(config.environments);
    const problems = [];
    const warnings = [];
    const checked = [];
    for (const envName of names) {
        const env = config.environments[envName];
        for (const [roleName, role] of Object.entries(env.roles))
            checked.push(checkRole(envName, roleName, role, options.dir, problems, warnings));
    }
    const label = options.configPath
        ? relative(process.cwd(), options.configPath) || options.configPath
        : 'ragship.yml';
    if (problems.length === 1) {
        const [where, ...rest] = problems[0].split(': ');
        const text = rest.join(': ');
        const cut = text.lastIndexOf(' — ');
        throw new ConfigError(`${label} ${where}`, text.slice(0, cut), text.slice(cut + 3));
    }
    if (problems.length)
        throw new ConfigError(label, `${problems.length} problems:\n${problems.join('\n')}`, '');
    return {
        configPath: options.configPath ?? '',
        dir: options.dir,
        environments: names,
        checked,
        warnings,
        needsConnection: check_CONNECTED_CHECKS,
    };
}
/** `ragship config check`: load + check, no connection. */
function checkConfigFile(options) {
    const paths = projectPaths(options.config, options.workingDirectory);
    const config = loadConfig(paths.configPath);
    return check_checkProject(config, {
        dir: paths.dir,
        environment: options.environment,
        configPath: paths.configPath,
    });
}

;// CONCATENATED MODULE: ./src/hooks/run.ts



/**
 * Deploy hooks (roles.<role>.hooks in ragship.yml): a command in a one-off container of the new
 * release on the role's first host, inside the deploy lock. Where each runs, and what its
 * failure means, is decided by the deploy (src/deploy/run.ts):
 *   pre-deploy   after the upload, before pull/migrate/switch — a failure aborts, nothing switched
 *   post-switch  once every role serves the new release — a failure switches back (switchBack)
 *   post-deploy  after the release is recorded — a failure is a warning, the release stays
 */
const HOOKS = (/* unused pure expression or super */ null && (['pre-deploy', 'post-switch', 'post-deploy']));
/** A hook that exited non-zero or timed out; `output` is the tail of what it printed. */
class run_HookFailed extends errors/* UserError */.yo {
    run;
    problem;
    constructor(run, problem, fix) {
        super(`${run.hook} hook of role ${run.role} on ${run.host}`, problem, fix);
        this.run = run;
        this.problem = problem;
    }
}
/** Container name of a hook run: unique per release, so a timed-out one can be removed by name. */
const hookContainer = (project, hook, releaseId) => `${project}-${hook}-${releaseId}`.slice(0, 200);
/**
 * The one-off container of a hook: the release's compose files, env overlay and network, no
 * dependencies started (they already run), no TTY; what the hook knows about the deploy comes
 * in RAGSHIP_* variables (the release id is also in the env overlay).
 */
function hookCommand(t, hook, config, service, env, name) {
    return compose(t, 'run', '--rm', '--no-deps', '-T', '--name', name, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), service, ...config.command);
}
/** Roles of the environment that define `hook`, in ragship.yml order. */
function rolesWith(s, hook) {
    return s.roles.flatMap(([roleName, role]) => {
        const h = role.hooks?.[hook];
        return h ? [[roleName, h, h.service ?? role.service]] : [];
    });
}
/** Runs `hook` for every role that has it, one role after the other; throws HookFailed. */
async function run_runHook(s, hook, ctx) {
    const runs = [];
    for (const [roleName, config, service] of rolesWith(s, hook)) {
        const h = s.roleHosts(roleName)[0];
        await ctx.guard?.();
        await step(s, ctx.timings, `hook ${hook} ${roleName}`, h.key, async () => {
            const target = ctx.target(roleName, h);
            const name = hookContainer(target.project, hook, ctx.releaseId);
            const env = {
                RAGSHIP_HOOK: hook,
                RAGSHIP_ENVIRONMENT: ctx.environment,
                RAGSHIP_ROLE: roleName,
                RAGSHIP_RELEASE: ctx.releaseId,
                ...(ctx.previousReleaseId ? { RAGSHIP_PREVIOUS_RELEASE: ctx.previousReleaseId } : {}),
            };
            const r = await h.host.exec(withTimeout(config.timeout, hookCommand(target, hook, config, service, env, name)), { allowFailure: true, timeoutMs: (config.timeout + 60) * 1000, where: `${h.key} ${hook} hook` });
            const output = tail(`${r.stdout}${r.stderr}`, 40);
            if (output.trim())
                s.ports.logger.info(output);
            const run = { hook, role: roleName, host: h.key, exitCode: r.code ?? -1, output };
            runs.push(run);
            if (r.code === 0)
                return;
            const timedOut = r.code === 124 || r.code === 137;
            // `timeout` killed the compose client; the container itself may still run.
            if (timedOut)
                await h.host.exec(['docker', 'rm', '--force', name], { allowFailure: true });
            throw new run_HookFailed(run, timedOut
                ? `did not finish within ${config.timeout} s and was stopped:\n${output}`
                : `exited with status ${r.code}:\n${output}`, timedOut
                ? `make the hook faster or raise roles.${roleName}.hooks.${hook}.timeout`
                : `fix the hook (roles.${roleName}.hooks.${hook}) or what it checks, then deploy again`);
        });
    }
    return runs;
}

// EXTERNAL MODULE: ./src/deploy/static.ts
var deploy_static = __webpack_require__(3369);
;// CONCATENATED MODULE: ./src/hooks/switch-back.ts





/**
 * The post-switch hook with its failure semantics: when it fails, every role is switched back
 * to the previous release (its recorded folder and image digest, no migrations, the same
 * switch and health gate as a rollback) and the deploy fails naming the hook. Without a
 * previous release (first deploy) there is nothing to switch back to: the error says so.
 */
async function switch_back_postSwitch(s, ctx) {
    try {
        await runHook(s, 'post-switch', ctx);
    }
    catch (err) {
        if (!(err instanceof HookFailed))
            throw err;
        if (!ctx.previous)
            throw new UserError(err.where, `${err.problem}\nThis is the environment's first release, so there is nothing to switch back to and it keeps running`, 'fix it and deploy again, or take it off with ragship remove');
        s.ports.logger.warn(`${err.where} failed: switching back to ${ctx.previous.id}`);
        try {
            await switchBack(s, ctx.previous, ctx.target, ctx.timings, ctx.guard);
        }
        catch (back) {
            throw new UserError(err.where, `failed, and switching back to ${ctx.previous.id} failed too: ${errorMessage(back)}`, `check the hosts (ragship status), then roll back by hand: ragship rollback --to ${ctx.previous.id}`);
        }
        throw new UserError(err.where, `${err.problem}\nSwitched back: ${ctx.previous.id} serves again`, err.fix);
    }
}
async function switchBack(s, previous, current, timings, guard) {
    const folder = releaseFolder(previous);
    const manifests = new Map();
    const targets = new Map();
    for (const [roleName] of s.roles)
        for (const h of s.roleHosts(roleName)) {
            const rel = await s.recordedRelease(h, roleName, folder);
            if (!rel)
                throw new UserError(h.key, `the previous release ${folder} has no folder for role ${roleName}`, 'deploy a fixed release');
            manifests.set(`${roleName} ${h.key}`, rel.manifest);
            targets.set(`${roleName} ${h.key}`, rel.target);
        }
    const first = (roleName) => manifests.get(`${roleName} ${s.roleHosts(roleName)[0].key}`);
    const result = { timeToHealthyMs: 0 };
    await applyRelease(s, {
        releaseId: folder,
        targets: (roleName, h) => targets.get(`${roleName} ${h.key}`),
        previous: async (roleName, h) => current(roleName, h),
        supportServices: (roleName) => first(roleName).supportServices,
        pullServices: () => [],
        runMigrations: false,
        guard,
        statics: (roleName, h) => {
            const st = manifests.get(`${roleName} ${h.key}`).static;
            const image = previous.images[roleName];
            return st && image ? staticPlan(s, h, roleName, st, image, folder) : undefined;
        },
    }, timings, result);
}

// EXTERNAL MODULE: ./src/preflight/host-check.ts
var host_check = __webpack_require__(1764);
;// CONCATENATED MODULE: ./src/preflight/pull-space.ts



/**
 * The registry gives compressed layer sizes; a pull keeps the download and writes the unpacked
 * layer (at least as large), so the floor counts each byte twice. An estimate, stated as one.
 */
const PULL_FACTOR = 2;
/** How long the registry may take to give an image's manifest before its size counts as unknown. */
const MANIFEST_TIMEOUT_MS = 15_000;
const pullSpaceCommands = {
    present: (ref) => ['docker', 'image', 'inspect', '--format', '{{.Id}}', ref],
    arch: ['docker', 'version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'],
    dockerRoot: ['docker', 'info', '--format', '{{.DockerRootDir}}'],
    /** Through the host's Docker CLI (its registry login); plain HTTP only to a loopback registry. */
    manifest: (ref) => [
        'docker',
        'manifest',
        'inspect',
        ...(/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\//.test(ref) ? ['--insecure'] : []),
        '--verbose',
        ref,
    ],
};
/** Bytes of one image for `platform` (os/arch) from `docker manifest inspect --verbose` output. */
function manifestBytes(json, platform) {
    let parsed;
    try {
        parsed = JSON.parse(json);
    }
    catch {
        return undefined;
    }
    const [os, arch] = platform.split('/');
    const entries = Array.isArray(parsed) ? parsed : [parsed];
    const entry = Array.isArray(parsed)
        ? entries.find((e) => e.Descriptor?.platform?.os === os && e.Descriptor?.platform?.architecture === arch)
        : parsed;
    const m = entry?.SchemaV2Manifest ?? entry?.OCIManifest;
    if (!m?.layers)
        return undefined;
    return m.layers.reduce((a, l) => a + (l.size ?? 0), m.config?.size ?? 0);
}
const gib = (b) => `${(b / 2 ** 30).toFixed(2)} GiB`;
/**
 * Preflight's disk floor for one host: PULL_FACTOR × the registry size of every image it does
 * not have yet, plus `marginGiB` (the roles' minFreeDiskGiB) kept free after the pull, measured
 * on the filesystem of Docker's root dir. Refuses (before the lock, before anything is pulled)
 * naming the host, what is free and what is needed. An image whose size the registry does not
 * give is counted as 0, with a warning.
 */
async function checkPullSpace(host, o, logger) {
    const images = [];
    let platform;
    for (const ref of [...new Set(o.refs)]) {
        if ((await host.exec(pullSpaceCommands.present(ref), { allowFailure: true })).code === 0)
            continue;
        platform ??=
            (await host.exec(pullSpaceCommands.arch, { allowFailure: true })).stdout.trim() || 'linux/amd64';
        // A registry that does not answer (or stalls) must not block the deploy here: the pull's own
        // timeout reports it. Unknown sizes count as 0, with a warning.
        const r = await host
            .exec(pullSpaceCommands.manifest(ref), { allowFailure: true, timeoutMs: MANIFEST_TIMEOUT_MS })
            .catch((err) => ({ code: -1, stdout: '', stderr: err.message }));
        const bytes = r.code === 0 ? manifestBytes(r.stdout, platform) : undefined;
        if (bytes === undefined)
            logger.warn(`${o.key}: the registry did not give the size of ${ref} (${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}); the disk floor counts only minFreeDiskGiB for it`);
        images.push({ ref, bytes });
    }
    const root = (await host.exec(pullSpaceCommands.dockerRoot, { allowFailure: true })).stdout.trim();
    let path = o.fallbackPath;
    let freeBytes;
    try {
        if (!/^\/[^\0\n]*$/.test(root))
            throw new Error('no docker root');
        freeBytes = await freeDiskBytes(host, root);
        path = root;
    }
    catch {
        freeBytes = await freeDiskBytes(host, o.fallbackPath);
    }
    const pullBytes = images.reduce((a, i) => a + (i.bytes ?? 0), 0);
    const neededBytes = Math.ceil(PULL_FACTOR * pullBytes + o.marginGiB * 2 ** 30);
    const result = { host: o.key, images, freeBytes, neededBytes, path };
    if (freeBytes < neededBytes)
        throw new UserError(`${o.key} preflight`, `${gib(freeBytes)} free under ${path}, ${gib(neededBytes)} needed: ${images.length} image(s) to pull of ${gib(pullBytes)} in the registry (×${PULL_FACTOR}: download and unpacked layers) plus minFreeDiskGiB ${o.marginGiB}`, 'free disk space on the host (docker image prune, old releases), or lower minFreeDiskGiB');
    if (images.length)
        logger.info(`${o.key}: ${images.length} image(s) to pull, ${gib(pullBytes)} in the registry; ${gib(freeBytes)} free under ${path}, ${gib(neededBytes)} needed`);
    return result;
}
/**
 * checkPullSpace on every host of a deploy in parallel: each host's images are those of its
 * roles (`imagesOf(role)`), its margin the largest minFreeDiskGiB (+ GPU minDiskGiB) of them.
 */
async function pull_space_checkEnvironmentPullSpace(s, imagesOf) {
    const results = await Promise.allSettled([...s.hosts.values()].map((h) => {
        const roles = s.roles.filter(([n]) => s.roleHosts(n).some((x) => x.key === h.key));
        return checkPullSpace(h.host, {
            key: h.key,
            refs: roles.flatMap(([n]) => imagesOf(n)).filter((r) => r && !r.includes('$')),
            marginGiB: Math.max(0, ...roles.map(([, r]) => r.minFreeDiskGiB + (r.gpu?.minDiskGiB ?? 0))),
            fallbackPath: h.root,
        }, s.ports.logger);
    }));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length === 1)
        throw failed[0].reason;
    if (failed.length)
        throw new UserError('preflight', `${failed.length} hosts lack disk for the pull:\n${failed.map((f) => f.reason.message).join('\n')}`, 'free disk space on those hosts; nothing was changed');
    return results.map((r) => r.value);
}
/** The image references a role pulls: the app image, or (appImage: false) its service's own. */
function pull_space_pullImagesOf(role, bundle, image) {
    if (role.appImage)
        return [image];
    let ref;
    for (const f of bundle.composeFiles) {
        const doc = parseYaml(f.content);
        ref = doc?.services?.[role.service]?.image ?? ref;
    }
    return typeof ref === 'string' ? [ref] : [];
}

// EXTERNAL MODULE: ./src/deploy/env-hash.ts
var env_hash = __webpack_require__(6561);
// EXTERNAL MODULE: ./src/deploy/render.ts
var render = __webpack_require__(7015);
// EXTERNAL MODULE: ./src/deploy/session.ts + 1 modules
var session = __webpack_require__(3562);
// EXTERNAL MODULE: ./src/deploy/switch.ts + 2 modules
var deploy_switch = __webpack_require__(3725);
;// CONCATENATED MODULE: ./src/deploy/switch-back.ts





/** The step name of a host's switch back (kept apart from `switch …` in summaries). */
const switch_back_SWITCH_BACK_STEP = 'switch back';
/**
 * After a host failed its switch, the hosts that had already switched run the new release while
 * the rest run the previous one. With `switch-back` (the default) each of them is switched back
 * to the previous release — its recorded folder and image digest, the same switch and health gate
 * as a rollback, no pull, no migration — so every host runs the same release again. A host whose
 * switch back fails stays on the new release and is named. `keep` leaves them as they are.
 */
async function switch_back_switchBackHosts(s, p) {
    if (!p.switched.length)
        return undefined;
    const hosts = [...new Set(p.switched.map((x) => x.host))];
    const log = s.ports.logger;
    if (p.mode === 'keep') {
        log.warn(`on-failure: keep — ${hosts.join(', ')} stay on the new release; the other hosts run the previous one`);
        return { mode: 'keep', to: p.previous?.id, hosts: [], kept: hosts, reason: 'on-failure: keep' };
    }
    if (!p.previous) {
        log.warn(`${hosts.join(', ')} stay on the new release: this is the environment's first, there is none to switch back to`);
        return { mode: 'switch-back', hosts: [], kept: hosts, reason: 'no previous release to switch back to' };
    }
    try {
        await p.guard?.();
    }
    catch (err) {
        log.error(`not switching back: ${errorMessage(err)}`);
        return {
            mode: 'switch-back',
            to: p.previous.id,
            hosts: [],
            kept: hosts,
            reason: `the deploy lock was lost (${errorMessage(err)})`,
        };
    }
    const folder = releaseFolder(p.previous);
    const back = [];
    const failed = new Map();
    for (const { roleName, host } of p.switched) {
        const h = s.hosts.get(host);
        const role = s.env.roles[roleName];
        try {
            await step(s, p.timings, `${switch_back_SWITCH_BACK_STEP} ${roleName} (${role.strategy})`, host, async () => {
                const rel = await s.recordedRelease(h, roleName, folder);
                if (!rel)
                    throw new UserError(host, `the previous release ${folder} has no folder for role ${roleName}`, 'roll back by hand');
                const image = p.previous.images[roleName];
                const st = rel.manifest.static;
                const ctx = {
                    host: h.host,
                    role,
                    roleName,
                    target: rel.target,
                    previous: p.current(roleName, host),
                    supportServices: rel.manifest.supportServices,
                    static: st && image ? staticPlan(s, h, roleName, st, image, folder) : undefined,
                    logger: log,
                };
                log.warn(`${host}: switching ${roleName} back to ${p.previous.id}`);
                await (role.strategy === 'recreate' ? recreateSwitch(ctx) : zeroDowntimeSwitch(ctx));
            });
            if (!back.includes(host))
                back.push(host);
        }
        catch (err) {
            failed.set(host, errorMessage(err).split('\n')[0]);
        }
    }
    const done = back.filter((x) => !failed.has(x));
    return {
        mode: 'switch-back',
        to: p.previous.id,
        hosts: done,
        kept: [...failed.keys()],
        ...(failed.size
            ? { reason: [...failed].map(([h, e]) => `${h}: switching back failed: ${e}`).join('; ') }
            : {}),
    };
}
/** Host → the release it runs once a failed deploy's switch back (or keep) is done. */
function switch_back_releasesAfterFailure(hosts, switched, releaseId, previous, back) {
    const out = {};
    for (const h of hosts) {
        const onNew = back ? back.kept.includes(h) : switched.includes(h);
        out[h] = onNew ? releaseId : (previous?.id ?? 'none');
    }
    return out;
}
/** One line for the error and the log: what the hosts run after the switch back. */
function switch_back_switchBackLine(back, releaseId) {
    const parts = [];
    if (back.hosts.length)
        parts.push(`switched back to ${back.to}: ${back.hosts.join(', ')}`);
    if (back.kept.length)
        parts.push(`still on the new release ${releaseId}: ${back.kept.join(', ')} (${back.reason})`);
    return parts.join('; ');
}

;// CONCATENATED MODULE: ./src/deploy/run.ts


















/** Validates every user string of a deploy before any connection. */
function validateDeployInputs(inputs) {
    validate('imageRef', inputs.image, 'image');
    for (const k of Object.keys(inputs.env))
        validate('envVar', k, `env ${k}`);
    if (inputs.gitSha)
        validate('sha', inputs.gitSha, 'git-sha');
}
async function resolveDigest(h, image) {
    if (image.includes('@sha256:'))
        return image.replace(/:[^/:@]+@/, '@');
    await h.host.exec(pullImage(image), { where: `${h.key} pull ${image}` });
    const r = await h.host.exec(repoDigests(image));
    const repo = image.replace(/:[^/:]+$/, '');
    const digest = r.stdout.split('\n').find((d) => d.startsWith(`${repo}@`));
    if (!digest)
        throw new UserError('image', `${image} has no registry digest on ${h.key}`, 'push the image to a registry and deploy repo@sha256:…');
    return validate('imageRef', digest, 'image digest');
}
async function runDeploy(inputs, ports) {
    validateDeployInputs(inputs);
    if (environmentOf(inputs.config, inputs.environment).engine === 'swarm')
        return (await __webpack_require__.e(/* import() */ 581).then(__webpack_require__.bind(__webpack_require__, 8581))).runSwarmDeploy(inputs, ports);
    // `ragship config check`: compose files, services and files: of this environment, no SSH yet.
    checkProject(inputs.config, { dir: inputs.repoDir, environment: inputs.environment });
    const capture = new FailureLogCapture(ports.logger);
    ports = { ...ports, logger: capture };
    const s = new EnvSession(inputs, ports);
    const logger = ports.logger;
    admitEnv(s, inputs.env, logger);
    const timings = [];
    const startedAt = new Date();
    const releaseId = newReleaseId(startedAt, inputs.gitSha);
    let lock;
    let rec;
    const result = { timeToHealthyMs: 0 };
    let previous;
    let back;
    try {
        await step(s, timings, 'preflight', `${s.hosts.size} host(s)`, () => s.preflight());
        const image = await resolveDigest(s.primary, inputs.image);
        // envHash is keyed by the primary host's secret (env-hash.ts), as every host's log records it.
        const envKey = await envHashKey(s.primary.host);
        const bundles = new Map(s.roles.map(([n, r]) => [n, renderRole(n, r, inputs.repoDir, image, inputs.env, releaseId, envKey)]));
        // The disk floor from the images each host still has to pull (+ minFreeDiskGiB), before the lock.
        await step(s, timings, 'disk', `${s.hosts.size} host(s)`, () => checkEnvironmentPullSpace(s, (n) => pullImagesOf(s.env.roles[n], bundles.get(n), image)));
        if (inputs.dryRun) {
            logger.info(`dry run: would deploy ${image} as ${releaseId} to ${[...s.hosts.keys()].join(', ')}`);
            return finish(s, { releaseId, image, timings, result, pruned: [], dry: true });
        }
        lock = await lockEnvironment(s, timings, inputs, ports.onLocked);
        const before = await s.readReleases();
        previous = activeRelease(before);
        rec = {
            id: releaseId,
            kind: 'deploy',
            app: s.app,
            environment: inputs.environment,
            gitSha: inputs.gitSha,
            image,
            images: Object.fromEntries(s.roles.filter(([, r]) => r.appImage).map(([n]) => [n, image])),
            composeHash: [...bundles.values()].map((b) => b.composeHash).join(','),
            envHash: [...bundles.values()].map((b) => b.envHash).join(','),
            actor: inputs.actor,
            runUrl: inputs.runUrl,
            result: 'failed',
            startedAt: startedAt.toISOString(),
            finishedAt: '',
            timings: {},
            previous: previous?.id,
            schemaVersion: inputs.schemaVersion,
        };
        await step(s, timings, 'upload', `${s.hosts.size} host(s)`, async () => {
            try {
                for (const [roleName, b] of bundles)
                    for (const h of s.roleHosts(roleName))
                        await uploadBundle(s, h, roleName, b, releaseId, image);
            }
            catch (err) {
                // A half-written release (disk full, connection lost) must not stay behind as if whole.
                const free = [];
                for (const h of s.hosts.values()) {
                    await h.host
                        .exec(removeTree(s.layout(h).release(releaseId)), { allowFailure: true })
                        .catch(() => undefined);
                    const df = await h.host.exec(freeKiB(h.root), { allowFailure: true }).catch(() => undefined);
                    const kib = Number(df?.stdout.trim().split('\n').at(-1)?.split(/\s+/)[3]);
                    if (Number.isFinite(kib) && kib < 1024)
                        free.push(`${h.key} has ${kib} KiB free under ${h.root}`);
                }
                const full = free.length > 0 || /ENOSPC|No space left|disk full|quota/i.test(errorMessage(err));
                throw new UserError('upload', `the release could not be written to the host(s): ${errorMessage(err)}${free.length ? ` (disk full: ${free.join('; ')})` : ''}; its partial files were removed, nothing was switched, the old release keeps serving`, full
                    ? 'free disk space under the deploy root (prune old images and releases), then deploy again'
                    : 'check the deploy root on the host is writable, then deploy again');
            }
        });
        const targets = (roleName, h) => s.target(h, roleName, releaseId, bundles.get(roleName).composeFiles.map((f) => f.name));
        const hooks = {
            releaseId,
            previousReleaseId: previous?.id,
            environment: inputs.environment,
            target: targets,
            timings,
            guard: () => lock.assertHeld(),
        };
        await runHook(s, 'pre-deploy', hooks);
        try {
            await applyRelease(s, {
                releaseId,
                targets,
                previous: async (roleName, h) => previous ? s.recordedTarget(h, roleName, releaseFolder(previous)) : undefined,
                supportServices: (roleName) => bundles.get(roleName).supportServices,
                pullServices: (roleName) => pullServicesOf(s.env.roles[roleName]).filter((x) => bundles.get(roleName).services.includes(x)),
                runMigrations: true,
                pullTimeoutSeconds: inputs.pullTimeoutSeconds,
                guard: () => lock.assertHeld(),
                statics: (roleName, h) => {
                    const st = s.env.roles[roleName].static;
                    return st
                        ? staticPlan(s, h, roleName, st, image, releaseId, previous && releaseFolder(previous))
                        : undefined;
                },
            }, timings, result);
        }
        catch (err) {
            // Switches are the last thing applyRelease does: hosts already switched differ from the rest.
            back = await switchBackHosts(s, {
                mode: inputs.onFailure ?? s.env.onFailure,
                switched: result.switched ?? [],
                previous,
                current: (roleName, key) => targets(roleName, s.hosts.get(key)),
                timings,
                guard: () => lock.assertHeld(),
            });
            if (!back)
                throw err;
            const line = switchBackLine(back, releaseId);
            logger.warn(line);
            throw withLine(err, line);
        }
        await postSwitch(s, { ...hooks, previous });
        rec.result = 'success';
        let pruned = [];
        await step(s, timings, 'record + prune', '', async () => {
            rec.finishedAt = new Date().toISOString();
            rec.timings = summarizeTimings(timings);
            await record(s, rec);
            pruned = await prune(s, [...before, rec], inputs.config.retain);
        });
        // The release is recorded and serves: a failing post-deploy hook only warns.
        await runHook(s, 'post-deploy', hooks).catch((err) => logger.warn(`${errorMessage(err)} (the release ${releaseId} stays active)`));
        return finish(s, {
            releaseId,
            image,
            previousReleaseId: previous?.id,
            timings,
            result,
            pruned,
            records: [...before, rec],
        });
    }
    catch (err) {
        const releases = result.switched?.length
            ? releasesAfterFailure(s.hosts.keys(), result.switched.map((x) => x.host), releaseId, previous, back)
            : undefined;
        attachFailure(err, {
            kind: 'deploy',
            app: s.app,
            environment: inputs.environment,
            releaseId: rec ? releaseId : undefined,
            // The step that failed, not a switch back that followed it.
            ...failedStep(timings.filter((t) => !t.step.startsWith(SWITCH_BACK_STEP)), err),
            error: errorMessage(err),
            logs: capture.lastLogs ?? result.output,
            serving: servingAfterFailure(s.hosts.keys(), timings, releaseId, previous, back),
            releases,
            switchBack: back,
        });
        if (rec && back) {
            rec.switchBack = back;
            rec.serving = releases;
        }
        if (rec && rec.result !== 'success') {
            rec.error = errorMessage(err).slice(0, 2000);
            rec.output = result.output;
            rec.finishedAt = new Date().toISOString();
            rec.timings = summarizeTimings(timings);
            await record(s, rec).catch(() => undefined);
        }
        throw err;
    }
    finally {
        await lock
            ?.release()
            .catch((e) => logger.warn(`could not release the deploy lock: ${errorMessage(e)} — it expires after its TTL`));
        s.close();
    }
}
async function uploadBundle(s, h, roleName, b, releaseId, image) {
    const dir = s.releaseDir(h, releaseId, roleName);
    const filesDir = posix.join(dir, 'files');
    const subdirs = [...new Set(b.files.map((f) => posix.dirname(posix.join(filesDir, f.path))))];
    await h.host.exec(mkdirs(dir, filesDir, s.projectDir(h, roleName), ...subdirs));
    for (const f of b.composeFiles)
        await h.host.upload(posix.join(dir, f.name), f.content, 0o600);
    await h.host.upload(posix.join(dir, b.envOverlay.name), b.envOverlay.content, 0o600);
    await h.host.upload(posix.join(dir, b.composeEnv.name), b.composeEnv.content, 0o600);
    for (const f of b.files)
        await h.host.upload(posix.join(filesDir, f.path), f.content, 0o644);
    const manifest = {
        releaseId,
        role: roleName,
        image,
        composeFiles: b.composeFiles.map((f) => f.name),
        supportServices: b.supportServices,
        services: b.services,
        files: b.files.map((f) => f.path),
        static: s.env.roles[roleName].static,
        composeHash: b.composeHash,
        envHash: b.envHash,
    };
    await h.host.upload(posix.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
    if (b.files.length)
        await h.host.exec(syncFiles(filesDir, s.projectDir(h, roleName)));
}
function finish(s, o) {
    const report = new Report()
        .heading(`${o.dry ? 'Dry run: ' : ''}Deploy ${s.app} to ${s.inputs.environment}`)
        .table(['', ''], [
        ['release', o.releaseId],
        ['image', o.image],
        ['previous release', o.previousReleaseId ?? '—'],
        ['time to healthy', `${(o.result.timeToHealthyMs / 1000).toFixed(1)} s`],
        [
            'SSH connections',
            Object.entries(s.connectionsPerHost())
                .map(([h, n]) => `${h}: ${n}`)
                .join(', '),
        ],
    ])
        .text(stepsTable(o.timings).toString().trimEnd());
    if (o.dry) {
        // The plan: what would run, and which checks needed the connection (the rest ran offline).
        const roles = s.roles.map(([n, r]) => `${n} (${r.strategy}, service ${r.service}${r.migrate ? `, migrate ${r.migrate.service}` : ''})`);
        report
            .heading('Plan', 3)
            .text(`Would: lock ${s.inputs.environment}, upload the release to ${[...s.hosts.keys()].join(', ')}, pull ${o.image}, ` +
            `migrate, switch ${roles.join('; ')}, health gate, record, prune. Nothing was changed.`)
            .text('Checked without a connection (`ragship config check`): ragship.yml, its compose files, services and files:. ' +
            `Checked over SSH (preflight): ${CONNECTED_CHECKS.slice(0, 4).join('; ')}. Not checked by a dry run: the deploy lock, the pull, migrations and the health gate.`);
    }
    if (o.pruned.length)
        report.details(`pruned ${o.pruned.length} image(s)`, o.pruned.join('\n'));
    if (o.records)
        report.heading('Releases', 3).text(releasesTable(o.records).toString());
    return {
        releaseId: o.releaseId,
        previousReleaseId: o.previousReleaseId,
        image: o.image,
        url: s.env.url,
        timeToHealthyMs: o.result.timeToHealthyMs,
        timings: o.timings,
        connectionsPerHost: s.connectionsPerHost(),
        report,
        pruned: o.pruned,
    };
}
/** The error with one more line of what happened after it (the UserError's where and fix kept). */
function withLine(err, line) {
    if (err instanceof UserError) {
        const prefix = `${err.where}: `;
        const suffix = err.fix ? ` — ${err.fix}` : '';
        const problem = err.message.slice(prefix.length, suffix ? -suffix.length : undefined);
        return new UserError(err.where, `${problem}\n${line}`, err.fix, { cause: err });
    }
    if (err instanceof Error)
        err.message += `\n${line}`;
    return err;
}

;// CONCATENATED MODULE: ./src/deploy/index.ts
// The deploy capability's public surface: what the front doors and the capabilities built on
// deploy (rollback, sleep/wake, status) import. Everything else under deploy/ is internal.









;// CONCATENATED MODULE: ./src/rollback/plan.ts

/** Key of a role on a host in the maps below. */
const roleHostKey = (roleName, hostKey) => `${roleName} ${hostKey}`;
/**
 * A rollback as an apply plan (data, no host asked): every role switches to the recorded
 * `folder` by its image digest, with no pull and no migration (migrations are never run
 * backwards); recreate roles restore the active release's target on failure; static files come
 * from the target's folder (or are extracted again from its image).
 */
function rollbackPlan(s, o) {
    return {
        releaseId: o.folder,
        runMigrations: false,
        guard: o.guard,
        roles: s.roles.map(([roleName]) => {
            const hosts = s.roleHosts(roleName);
            const first = o.recorded.get(roleHostKey(roleName, hosts[0].key));
            const image = o.target.images[roleName];
            return {
                roleName,
                supportServices: first.manifest.supportServices,
                pullServices: [],
                hosts: hosts.map((h) => {
                    const rel = o.recorded.get(roleHostKey(roleName, h.key));
                    const st = rel.manifest.static;
                    return {
                        h,
                        target: rel.target,
                        previous: o.previous.get(roleHostKey(roleName, h.key)),
                        static: st && image ? (0,deploy_static/* staticPlan */.mq)(s, h, roleName, st, image, o.folder, o.activeFolder) : undefined,
                    };
                }),
            };
        }),
    };
}

;// CONCATENATED MODULE: ./src/rollback/run.ts






function validateTo(to) {
    if (to === 'previous')
        return to;
    // A bad value is a usage error (ConfigError: the CLI exits 2), caught before any connection.
    for (const g of ['releaseId', 'tag', 'digest', 'imageRef'])
        if (core_validate/* grammars */.lN[g].pattern.test(to) && to.length <= core_validate/* grammars */.lN[g].max)
            return to;
    throw new errors/* ConfigError */.xL('to', `${JSON.stringify(to.slice(0, 60))} is not previous, a release id, a tag or a digest`, 'use previous or a release id from `ragship releases`');
}
/** Re-applies a recorded release (compose files + env + image digest) through the deploy path. */
async function runRollback(inputs, ports) {
    const to = validateTo(inputs.to);
    if ((0,load/* environmentOf */.p7)(inputs.config, inputs.environment).engine === 'swarm')
        return (await __webpack_require__.e(/* import() */ 581).then(__webpack_require__.bind(__webpack_require__, 8581))).runSwarmRollback({ ...inputs, to }, ports);
    const capture = new failure/* FailureLogCapture */.rh(ports.logger);
    ports = { ...ports, logger: capture };
    const s = new session/* EnvSession */.G(inputs, ports);
    const logger = ports.logger;
    const t0 = performance.now();
    const timings = [];
    const result = { timeToHealthyMs: 0 };
    const releaseId = (0,release_log/* newReleaseId */.Po)(new Date());
    let lock;
    let rec;
    let active;
    try {
        await (0,apply/* step */.PM)(s, timings, 'preflight', `${s.hosts.size} host(s)`, () => s.preflight());
        lock = await (0,apply/* lockEnvironment */.p1)(s, timings, inputs, ports.onLocked);
        const records = await s.readReleases();
        const target = (0,release_log/* resolveTarget */.u1)(records, to);
        // Rolling back to a rollback record re-applies the folder that record ran from.
        const folder = (0,release_log/* releaseFolder */.Uc)(target);
        active = (0,release_log/* activeRelease */.G6)(records);
        let schemaWarning;
        if (target.schemaVersion && active?.schemaVersion && target.schemaVersion < active.schemaVersion) {
            schemaWarning = `⚠️ ${target.id} expects schema ${target.schemaVersion}, the live schema is ${active.schemaVersion}: migrations are not run backwards`;
            if (inputs.blockOnOlderSchema)
                throw new errors/* UserError */.yo('to', schemaWarning, 'if the old code reads the new schema, roll back without blocking (the CLI without --block-older-schema; the action with allow-older-schema: true)');
            logger.warn(schemaWarning);
        }
        const recorded = new Map();
        const previous = new Map();
        await (0,apply/* step */.PM)(s, timings, 'check release + images', `${s.hosts.size} host(s)`, async () => {
            for (const [roleName] of s.roles) {
                for (const h of s.roleHosts(roleName)) {
                    const rel = await s.recordedRelease(h, roleName, folder);
                    if (!rel)
                        throw new errors/* UserError */.yo('to', `release ${folder} has no release folder on ${h.key} (pruned beyond retention)`, `roll back to one of: ${await available(s, records)}`);
                    recorded.set(roleHostKey(roleName, h.key), rel);
                    // What recreate roles restore if the target fails its health gate.
                    if (active)
                        previous.set(roleHostKey(roleName, h.key), await s.recordedTarget(h, roleName, (0,release_log/* releaseFolder */.Uc)(active)));
                    // Roles without the app image (vLLM) keep the image their recorded compose names.
                    const image = target.images[roleName];
                    if (!image)
                        continue;
                    if ((await h.host.exec((0,commands/* imageExists */.US)(image), { allowFailure: true })).code === 0)
                        continue;
                    logger.info(`${h.key}: ${image} was pruned here; pulling it by digest`);
                    const pulled = await h.host.exec((0,commands/* pullImage */.ZP)(image), { allowFailure: true });
                    if (pulled.code !== 0) {
                        throw new errors/* UserError */.yo('to', `image ${image} of ${target.id} is neither on ${h.key} nor pullable from the registry: ${pulled.stderr.trim().split('\n').pop()}`, `nothing was switched; roll back to one of: ${await available(s, records, image)}`);
                    }
                }
            }
        });
        for (const [roleName, role] of s.roles) {
            const m = recorded.get(roleHostKey(roleName, s.roleHosts(roleName)[0].key)).manifest;
            if (role.static && !m.static)
                logger.warn(`${roleName}: ${folder} shipped no static files (roles.${roleName}.static); the published pages stay as they are`);
        }
        rec = {
            ...target,
            id: releaseId,
            kind: 'rollback',
            source: folder,
            actor: inputs.actor,
            runUrl: inputs.runUrl,
            result: 'failed',
            error: undefined,
            output: undefined,
            startedAt: new Date().toISOString(),
            finishedAt: '',
            timings: {},
            previous: active?.id,
        };
        const plan = rollbackPlan(s, {
            folder,
            target,
            activeFolder: active && (0,release_log/* releaseFolder */.Uc)(active),
            recorded,
            previous,
            guard: () => lock.assertHeld(),
        });
        await (0,apply/* executeApply */.aw)(s, plan, timings, result);
        rec.result = 'success';
        rec.finishedAt = new Date().toISOString();
        rec.timings = (0,apply/* summarizeTimings */.n$)(timings);
        await (0,apply/* record */.g1)(s, rec);
        const all = [...records, rec];
        const report = new core_report/* Report */.p()
            .heading(`Rollback of ${s.app} ${inputs.environment} to ${target.id}`)
            .text(schemaWarning ? `> ${schemaWarning}` : '')
            .table(['', ''], [
            ['from', active?.id ?? '—'],
            ['to', target.id],
            ['image', target.image],
            ['reason', inputs.reason || '—'],
            ['recorded as', releaseId],
            ['time to healthy', `${(result.timeToHealthyMs / 1000).toFixed(1)} s`],
        ])
            .text((0,apply/* stepsTable */.A1)(timings).toString().trimEnd())
            .heading('Releases', 3)
            .text((0,apply/* releasesTable */.H3)(all).toString());
        return {
            releaseId,
            targetReleaseId: target.id,
            fromReleaseId: active?.id,
            image: target.image,
            schemaWarning,
            timeToHealthyMs: result.timeToHealthyMs,
            durationMs: performance.now() - t0,
            timings,
            connectionsPerHost: s.connectionsPerHost(),
            report,
        };
    }
    catch (err) {
        (0,failure/* attachFailure */.Qi)(err, {
            kind: 'rollback',
            app: s.app,
            environment: inputs.environment,
            releaseId: rec ? releaseId : undefined,
            ...(0,failure/* failedStep */.cG)(timings, err),
            error: (0,errors/* errorMessage */.gJ)(err),
            logs: capture.lastLogs,
            serving: (0,failure/* servingAfterFailure */.DS)(s.hosts.keys(), timings, rec?.source ?? releaseId, active),
        });
        if (rec && rec.result !== 'success') {
            rec.error = (0,errors/* errorMessage */.gJ)(err).slice(0, 2000);
            rec.finishedAt = new Date().toISOString();
            rec.timings = (0,apply/* summarizeTimings */.n$)(timings);
            await (0,apply/* record */.g1)(s, rec).catch(() => undefined);
        }
        throw err;
    }
    finally {
        await lock?.release().catch((e) => logger.warn(`could not release the deploy lock: ${(0,errors/* errorMessage */.gJ)(e)}`));
        s.close();
    }
}
/** Successful releases whose folders are still on the hosts (minus those using `missingImage`). */
async function available(s, records, missingImage) {
    const out = [];
    for (const r of records.filter((x) => x.result === 'success').reverse()) {
        if (missingImage && Object.values(r.images).includes(missingImage))
            continue;
        const present = await Promise.all(s.roles.map(([n]) => s.recordedTarget(s.roleHosts(n)[0], n, (0,release_log/* releaseFolder */.Uc)(r))));
        if (present.every(Boolean))
            out.push(`${r.id} (${r.image})`);
    }
    return out.join(', ') || 'none';
}
/** `ragship releases`: the release log of the primary host. */
async function listReleases(inputs, ports) {
    const s = new session/* EnvSession */.G(inputs, ports);
    try {
        await s.resolveRoot(s.primary);
        const records = await s.readReleases();
        return {
            records,
            report: new core_report/* Report */.p()
                .heading(`Releases of ${s.app} ${inputs.environment}`)
                .text((0,apply/* releasesTable */.H3)(records, 20).toString()),
        };
    }
    finally {
        s.close();
    }
}


/***/ })

};
