import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 581;
export const ids = [581];
export const modules = {

/***/ 8581:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runSwarmDeploy: () => (/* binding */ runSwarmDeploy),
  runSwarmRollback: () => (/* binding */ runSwarmRollback),
  stackName: () => (/* binding */ stackName)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./src/core/errors.ts
var core_errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/report.ts
var core_report = __webpack_require__(8557);
// EXTERNAL MODULE: ./src/deploy/apply.ts + 2 modules
var apply = __webpack_require__(328);
// EXTERNAL MODULE: ./src/deploy/commands.ts
var deploy_commands = __webpack_require__(9353);
// EXTERNAL MODULE: ./src/deploy/env-file.ts
var env_file = __webpack_require__(5535);
// EXTERNAL MODULE: ./src/deploy/env-hash.ts
var env_hash = __webpack_require__(6561);
// EXTERNAL MODULE: ./src/deploy/release-log.ts
var release_log = __webpack_require__(681);
// EXTERNAL MODULE: ./src/deploy/render.ts
var render = __webpack_require__(7015);
// EXTERNAL MODULE: ./src/deploy/session.ts + 1 modules
var session = __webpack_require__(3562);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/swarm/commands.ts

/**
 * Every command ragship runs on a Swarm manager, as data (argv arrays). The unit tests assert
 * the exact argv; test/integration/swarm runs them on a real cluster.
 */
/** `docker stack deploy` of the release's rendered files; nodes pull with the manager's login. */
function stackDeploy(stack, files) {
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
function secretCreate(name, labels) {
    return [
        'docker',
        'secret',
        'create',
        ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        name,
        '-',
    ];
}
const secretList = (stack) => [
    'docker',
    'secret',
    'ls',
    '--filter',
    `label=ragship.stack=${stack}`,
    '--format',
    '{{.Name}}',
];
const secretRemove = (names) => ['docker', 'secret', 'rm', ...names];
/**
 * Per-release secret name (≤ 64 characters, Swarm's limit): an update references new names, so
 * Swarm swaps them with the tasks; the previous release's names stay for a rollback.
 */
function secretName(stack, releaseId, key) {
    const full = `${stack}_${releaseId}_${key}`;
    if (full.length <= 64)
        return full;
    const h = (0,external_node_crypto_.createHash)('sha256').update(`${stack}\0${releaseId}\0${key}`).digest('hex');
    return `${stack.slice(0, 20)}_${releaseId.slice(0, 24)}_${h.slice(0, 18)}`;
}
/** id, name, mode, replicas, image of the stack's services, tab-separated. */
const stackServices = (stack) => [
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
const updateStatus = (services) => [
    'docker',
    'service',
    'inspect',
    '--format',
    '{{.Spec.Name}}\t{{if .UpdateStatus}}{{.UpdateStatus.State}}\t{{.UpdateStatus.StartedAt}}{{else}}none\t-{{end}}\t{{.Spec.TaskTemplate.ContainerSpec.Image}}\t{{if .UpdateStatus}}{{.UpdateStatus.Message}}{{end}}',
    ...services,
];
/** Tasks of a service: name, node, desired state, current state, error, image. */
function servicePs(service, running = false) {
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
const serviceLogs = (service, lines = 40) => [
    'docker',
    'service',
    'logs',
    '--raw',
    '--no-task-ids',
    '--tail',
    String(lines),
    service,
];
const serviceRemove = (names) => ['docker', 'service', 'rm', ...names];
/** hostname, status (Ready/Down), availability, manager status. */
const nodeList = [
    'docker',
    'node',
    'ls',
    '--format',
    '{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}',
];
/** `active true` on a manager of an active swarm. */
const swarmState = [
    'docker',
    'info',
    '--format',
    '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}',
];
/**
 * The stack's default overlay network, created before the first stack deploy so the migration
 * job can join it (attachable; labelled so `docker stack deploy` adopts it as its own).
 */
const networkExists = (name) => [
    'docker',
    'network',
    'inspect',
    '--format',
    '{{.Id}}',
    name,
];
function networkCreate(stack, name) {
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
const imageCommand = (image) => [
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
function migrationJob(o) {
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
const serviceInspect = (services) => [
    'docker',
    'service',
    'inspect',
    ...services,
];
/** Tasks of the whole stack meant to run: name, node, desired, current state, error, image. */
const stackTasks = (stack) => [
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
/**
 * Logs of every task of a service, each line prefixed `<task>@<node> | ` by Swarm (no task
 * ids: the slot number names the task); stdout and stderr stay apart.
 */
function serviceLogsOf(service, o) {
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
const selfNodeId = ['docker', 'info', '--format', '{{.Swarm.NodeID}}'];
/** Ids of the swarm's managers. */
const managerIds = ['docker', 'node', 'ls', '--quiet', '--filter', 'role=manager'];
/** A Swarm config whose content is read from stdin. */
function configCreate(name, labels) {
    return [
        'docker',
        'config',
        'create',
        ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        name,
        '-',
    ];
}
const configRemove = (names) => ['docker', 'config', 'rm', ...names];
/** Running containers of a service's tasks on this node (for `exec --in-running`). */
const localTaskContainers = (service) => [
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
function jobCreate(o) {
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

;// CONCATENATED MODULE: ./src/swarm/converge.ts


function parseUpdateStatus(stdout) {
    const out = new Map();
    for (const line of stdout.split('\n')) {
        if (!line.trim())
            continue;
        const [name, state, startedAt, image, ...message] = line.split('\t');
        out.set(name, {
            name: name,
            state: state,
            startedAt: startedAt,
            image: image ?? '',
            message: message.join('\t'),
        });
    }
    return out;
}
/** Nodes whose status is not Ready, from `docker node ls`. */
function downNodesOf(stdout) {
    return stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'))
        .filter(([, status]) => status && status !== 'Ready')
        .map(([host]) => host);
}
/** running/desired per service from `docker service ls` ("2/2", "3/3 (max 1 per node)"). */
function replicasOf(stdout) {
    const out = new Map();
    for (const line of stdout.split('\n')) {
        const [name, mode, replicas, image] = line.split('\t');
        const m = /^([0-9]+)\/([0-9]+)/.exec(replicas ?? '');
        if (name && m)
            out.set(name, { running: Number(m[1]), desired: Number(m[2]), image: image ?? '', mode: mode ?? '' });
    }
    return out;
}
const digestOf = (image) => /@(sha256:[a-f0-9]{64})/.exec(image)?.[1] ?? image;
/** Every task meant to run runs the spec's image and is Running (health passed, if any). */
function tasksOnSpec(psStdout, specImage, downNodes = new Set()) {
    // Tasks on a node that is down cannot report: Swarm replaces replicated ones elsewhere.
    const tasks = psStdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'))
        .filter(([, node]) => !downNodes.has(node ?? ''));
    return (tasks.length > 0 &&
        tasks.every(([, , desired, current, , image]) => {
            if (desired !== 'Running')
                return true;
            return /^Running/.test(current ?? '') && (!specImage || digestOf(image ?? '') === digestOf(specImage));
        }));
}
async function updateSnapshot(host, services) {
    return parseUpdateStatus((await host.exec(updateStatus(services), { allowFailure: true })).stdout);
}
/**
 * Waits until Swarm has finished the update of every service: each update `completed` (or no
 * update at all for an unchanged service) with all desired tasks running the spec's image.
 * Swarm's own rollback (`rollback_completed`), a paused update or no progress in time fail,
 * naming the services, the nodes that went down and the tasks' last errors.
 */
async function converge(host, o) {
    const t0 = performance.now();
    const down = new Set();
    const stack = o.services[0]?.split('_')[0] ?? '';
    let pending = [];
    for (;;) {
        const nodes = await host.exec(nodeList, { allowFailure: true });
        for (const n of downNodesOf(nodes.stdout)) {
            if (!down.has(n))
                o.logger.warn(`${o.where}: node ${n} is down during the update; Swarm reschedules its tasks`);
            down.add(n);
        }
        const status = await updateSnapshot(host, o.services);
        const replicas = replicasOf((await host.exec(stackServices(stack), { allowFailure: true })).stdout);
        pending = [];
        for (const name of o.services) {
            const u = status.get(name);
            const fresh = u && u.state !== 'none' && u.startedAt !== o.before.get(name)?.startedAt;
            if (fresh &&
                (u.state === 'rollback_completed' || u.state === 'rollback_started' || u.state === 'rollback_paused')) {
                if (u.state !== 'rollback_completed') {
                    pending.push(name);
                    continue;
                }
                throw new core_errors/* UserError */.yo(`${o.where} rolling update`, `Swarm rolled back the update of ${name}: ${u.message}; the previous release keeps serving${down.size ? ` (nodes down: ${[...down].join(', ')})` : ''}${await taskErrors(host, name)}`, 'check the health of the new release (docker service ps / ragship logs), fix it and deploy again');
            }
            if (fresh && u.state === 'paused')
                throw new core_errors/* UserError */.yo(`${o.where} rolling update`, `the update of ${name} is paused: ${u.message}${down.size ? ` (nodes down: ${[...down].join(', ')})` : ''}${await taskErrors(host, name)}`, 'check the nodes and the tasks (docker service ps), then deploy again or roll back');
            const r = replicas.get(name);
            const done = (!fresh || u.state === 'completed') &&
                r &&
                r.desired > 0 &&
                // A global service counts a task on a down node as desired: only the live ones matter.
                (r.running === r.desired || (r.mode === 'global' && down.size > 0)) &&
                tasksOnSpec((await host.exec(servicePs(name, true), { allowFailure: true })).stdout, u?.image ?? '', down);
            if (!done)
                pending.push(name);
        }
        if (!pending.length)
            break;
        if (performance.now() - t0 > o.timeoutSeconds * 1000) {
            const errors = (await Promise.all(pending.map((p) => taskErrors(host, p)))).join('');
            throw new core_errors/* UserError */.yo(`${o.where} rolling update`, `the update stalled: ${pending.join(', ')} did not converge within ${o.timeoutSeconds} s${down.size ? `; nodes down: ${[...down].join(', ')}` : ''}${errors}`, 'check the nodes (docker node ls) and the tasks (docker service ps); the services keep what Swarm left running');
        }
        await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
    }
    const warnings = down.size
        ? [
            `node(s) ${[...down].join(', ')} went down during the update; their tasks were rescheduled on the other nodes`,
        ]
        : [];
    return { ms: Math.round(performance.now() - t0), downNodes: [...down], warnings };
}
async function taskErrors(host, service) {
    const ps = await host.exec(servicePs(service), { allowFailure: true });
    const lines = ps.stdout
        .split('\n')
        .filter((l) => l.split('\t')[4])
        .slice(0, 5);
    return lines.length ? `\n${(0,core_errors/* tail */.RT)(lines.join('\n'), 5)}` : '';
}

;// CONCATENATED MODULE: ./src/swarm/jobs.ts


function parseTasks(stdout) {
    return stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
        const [name = '', node = '', desired = '', current = '', error = '', image = ''] = l.split('\t');
        return { name, node, desired, current, error, image };
    });
}
/** The service a task belongs to: `stack_app.2` → `stack_app`, `stack_proxy.<node id>` too. */
const taskService = (task) => task.replace(/\.[^.]+$/, '');
const TERMINAL = /^(Complete|Failed|Rejected|Shutdown|Orphaned|Remove)/;
/** `task: non-zero exit (3)` → 3; a completed task → 0; anything else (no exit seen) → null. */
function exitCodeOf(t) {
    if (/^Complete/.test(t.current))
        return 0;
    const m = /non-zero exit \(([0-9]+)\)/.exec(t.error);
    return m ? Number(m[1]) : null;
}
/**
 * A line of `docker service logs` without --raw: `<task>@<node>    | <message>`, the RFC 3339
 * timestamp (with --timestamps) before the prefix or first in the message: kept first.
 */
function parseLogLine(raw) {
    const m = /^(?:([0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+) )?([^ @|]+)@([^ |]+) *\| ?(.*)$/.exec(raw);
    if (!m)
        return undefined;
    const [, ts, task = '', node = '', msg = ''] = m;
    return { task, node, line: ts ? `${ts} ${msg}` : msg };
}
/**
 * Creates a job service, waits until every task has ended (or the time is up), reads its output
 * per node and removes the service, whatever happened. The output is in the nodes' container
 * logs like any task's; callers mask secrets before printing it.
 */
async function runJob(host, create, name, o) {
    await host.exec(create, { where: o.where });
    try {
        const deadline = performance.now() + o.timeoutSeconds * 1000;
        let tasks = [];
        let timedOut = false;
        for (;;) {
            tasks = parseTasks((await host.exec(servicePs(name), { allowFailure: true })).stdout);
            const down = o.skipDownNodes
                ? new Set(downNodesOf((await host.exec(nodeList, { allowFailure: true })).stdout))
                : new Set();
            if (tasks.length && tasks.every((t) => TERMINAL.test(t.current) || down.has(t.node)))
                break;
            if (performance.now() > deadline) {
                timedOut = true;
                break;
            }
            await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
        }
        const logs = await host.exec(serviceLogsOf(name, { timestamps: false }), {
            allowFailure: true,
            timeoutMs: 60_000,
        });
        const lines = (text) => text
            .split('\n')
            .map(parseLogLine)
            .filter((l) => !!l);
        return { tasks, stdout: lines(logs.stdout), stderr: lines(logs.stderr), timedOut };
    }
    finally {
        await host.exec(serviceRemove([name]), { allowFailure: true }).catch(() => undefined);
    }
}
/** Lower-case, [a-z0-9-] service names ≤ 63 characters for ragship's jobs. */
function jobName(stack, what, id) {
    return `${stack}_${what}_${id.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 63);
}

;// CONCATENATED MODULE: ./src/swarm/nodes.ts



/**
 * Work ragship does on the nodes it never reaches over SSH (workers, other managers): a
 * `global-job` that Swarm runs once on every other node, with the host's root mounted at /host
 * and its Docker used through `chroot /host docker` (the node's own CLI and socket, whatever the
 * job's image). The image is a release image the nodes already pull with the registry auth.
 */
const HOST_ROOT = 'type=bind,source=/,target=/host';
/**
 * Removes the given images on a node, never one a container runs: the old release's tasks are
 * being stopped by Swarm (waits ≤ 60 s for that), its stopped task containers (which pin the
 * image) are removed first, then `docker image rm` without --force, which refuses an image
 * any container still uses. Prints `removed <ref>` per image removed.
 */
const PRUNE_SCRIPT = [
    'stack=$1; shift',
    // Containers of the stack's services and ragship's jobs (`<stack>_…`) created from $ref (by
    // reference or by ancestry), filtered further by "$@": ids.
    'svc=\'{{.Label "com.docker.swarm.service.name"}}\'',
    'from() { { chroot /host docker ps -a --no-trunc --filter label=com.docker.swarm.service.name "$@" --format "{{.ID}} $svc {{.Image}}" | while read -r id s img; do [ "$img" = "$ref" ] && echo "$id $s"; done; chroot /host docker ps -a --no-trunc --filter label=com.docker.swarm.service.name --filter "ancestor=$ref" "$@" --format "{{.ID}} $svc" 2>/dev/null; } | while read -r id s; do case "$s" in "$stack"_*) echo "$id";; esac; done | sort -u; }',
    'for ref do',
    '  chroot /host docker image inspect "$ref" >/dev/null 2>&1 || continue',
    '  n=0',
    '  while [ $n -lt 60 ] && [ -n "$(from --filter status=running)" ]; do sleep 1; n=$((n+1)); done',
    '  ids=$(from --filter status=exited --filter status=created --filter status=dead)',
    '  [ -z "$ids" ] || chroot /host docker rm $ids >/dev/null 2>&1',
    '  if chroot /host docker image rm "$ref" >/dev/null 2>&1; then echo "removed $ref"; fi',
    'done',
].join('\n');
/**
 * Writes the mounted copy of the release log as <root>/releases.jsonl on the node (whole file,
 * then renamed: a reader never sees half of it), owned by the deploy user's uid:gid.
 */
const COPY_LOG_SCRIPT = [
    'set -e; umask 027; d="/host$1"',
    '[ -d "$d" ] || { mkdir -p "$d"; chown "$2" "$d"; }',
    'cat /ragship-releases.jsonl > "$d/.releases.jsonl.tmp"',
    'chown "$2" "$d/.releases.jsonl.tmp"',
    'mv -f "$d/.releases.jsonl.tmp" "$d/releases.jsonl"',
    'echo copied',
].join('\n');
/** Swarm refuses configs above 500 KiB: the newest whole lines that fit. */
function logTail(log, max = 450_000) {
    if (Buffer.byteLength(log) <= max)
        return { text: log, dropped: 0 };
    const lines = log.split('\n').filter(Boolean);
    const kept = [];
    let size = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
        size += Buffer.byteLength(lines[i]) + 1;
        if (size > max)
            break;
        kept.unshift(lines[i]);
    }
    return { text: `${kept.join('\n')}\n`, dropped: lines.length - kept.length };
}
async function otherNodes(host) {
    const self = (await host.exec(selfNodeId)).stdout.trim();
    const all = (await host.exec(nodeList, { allowFailure: true })).stdout.split('\n').filter(Boolean);
    return { self, others: Math.max(0, all.length - 1) };
}
/**
 * `docker image rm` of images no retained release uses, on every node except this manager
 * (which ragship prunes itself). Returns `<node> <ref>` per removed image; a node that does not
 * answer in time is named in a warning (its images stay until the next prune).
 */
async function pruneOtherNodes(w, refs) {
    if (!refs.length)
        return [];
    try {
        return await pruneOn(w, refs);
    }
    catch (err) {
        // The release is live already: a prune that cannot run is a warning, never a failed deploy.
        w.logger.warn(`${w.where}: images on the other nodes were not pruned: ${(0,core_errors/* errorMessage */.gJ)(err)}`);
        return [];
    }
}
async function pruneOn(w, refs) {
    const { self, others } = await otherNodes(w.host);
    if (!others)
        return [];
    const name = jobName(w.stack, 'prune', w.id);
    const r = await runJob(w.host, jobCreate({
        name,
        mode: 'global-job',
        stack: w.stack,
        image: w.image,
        script: PRUNE_SCRIPT,
        args: ['ragship-prune', w.stack, ...refs],
        constraints: [`node.id!=${self}`],
        mounts: [HOST_ROOT],
    }), name, {
        timeoutSeconds: w.timeoutSeconds ?? 180,
        where: `${w.where} image prune on the other nodes`,
        skipDownNodes: true,
    });
    const failed = r.tasks.filter((t) => !/^Complete/.test(t.current));
    if (failed.length)
        w.logger.warn(`${w.where}: image prune did not finish on ${failed.map((t) => `${t.node || 'an unassigned node'} (${t.current}${t.error ? `: ${t.error}` : ''})`).join(', ')}; those nodes keep their old images until the next prune`);
    return r.stdout.flatMap((l) => {
        const m = /^removed (\S+)$/.exec(l.line.trim());
        return m ? [`${l.node} ${m[1]}`] : [];
    });
}
/**
 * Copies the release log to every other manager's deploy root (same path as on this one), so
 * that listing another manager first keeps the history when this one is lost. Nothing to do on
 * a single-manager swarm. Best effort: a failure is a warning, never a failed deploy.
 */
async function replicateLog(w) {
    try {
        const managers = (await w.host.exec(managerIds, { allowFailure: true })).stdout
            .split('\n')
            .filter(Boolean);
        if (managers.length < 2)
            return [];
        const self = (await w.host.exec(selfNodeId)).stdout.trim();
        const { text, dropped } = logTail(w.log);
        if (dropped)
            w.logger.warn(`${w.where}: the release log is larger than a Swarm config; the other managers get its newest lines (${dropped} older dropped)`);
        const config = jobName(w.stack, 'releases', w.id);
        await w.host.exec(configCreate(config, { 'ragship.stack': w.stack }), {
            input: text,
            where: `${w.where} docker config create (release log)`,
        });
        try {
            const name = jobName(w.stack, 'copylog', w.id);
            const r = await runJob(w.host, jobCreate({
                name,
                mode: 'global-job',
                stack: w.stack,
                image: w.image,
                script: COPY_LOG_SCRIPT,
                args: ['ragship-copy-log', w.root, w.owner],
                constraints: ['node.role==manager', `node.id!=${self}`],
                mounts: [HOST_ROOT],
                configs: [{ source: config, target: '/ragship-releases.jsonl' }],
            }), name, {
                timeoutSeconds: w.timeoutSeconds ?? 120,
                where: `${w.where} release log copy`,
                skipDownNodes: true,
            });
            const copied = r.stdout.filter((l) => l.line.trim() === 'copied').map((l) => l.node);
            const missing = r.tasks.filter((t) => !/^Complete/.test(t.current));
            if (missing.length || copied.length < managers.length - 1)
                w.logger.warn(`${w.where}: the release log reached ${copied.length} of ${managers.length - 1} other manager(s)${missing.length ? `; not ${missing.map((t) => `${t.node || '?'} (${t.current}${t.error ? `: ${t.error}` : ''})`).join(', ')}` : ''}`);
            return copied;
        }
        finally {
            // The job's removal frees the config a moment later (Swarm refuses it while in use).
            for (let i = 0; i < 30; i++) {
                const rm = await w.host.exec(configRemove([config]), { allowFailure: true }).catch(() => undefined);
                if (!rm || rm.code === 0 || /not found|no such/i.test(rm.stderr))
                    break;
                await new Promise((r) => setTimeout(r, 500));
            }
        }
    }
    catch (err) {
        w.logger.warn(`${w.where}: the release log was not copied to the other managers: ${(0,core_errors/* errorMessage */.gJ)(err)}`);
        return [];
    }
}

// EXTERNAL MODULE: ./src/core/redact.ts
var redact = __webpack_require__(2258);
;// CONCATENATED MODULE: ./src/swarm/operate-model.ts


const hmac = (key, text) => (0,external_node_crypto_.createHmac)('sha256', key).update(text).digest('hex');
function redactHashes(values, key = (0,external_node_crypto_.randomBytes)(32).toString('hex')) {
    const registry = new redact/* SecretRegistry */.k();
    for (const v of values)
        registry.add(v);
    const forms = [];
    registry.onAdd((form) => forms.push([form.length, hmac(key, form)]));
    return { key, forms };
}
/** A registry that masks values it only knows by their keyed hash (see RedactHashes). */
class HashedSecrets extends redact/* SecretRegistry */.k {
    h;
    base;
    byLength = new Map();
    lengths;
    constructor(h, 
    /** Values known in clear (the process registry): masked first. */
    base) {
        super();
        this.h = h;
        this.base = base;
        for (const [n, digest] of h.forms) {
            if (!this.byLength.has(n))
                this.byLength.set(n, new Set());
            this.byLength.get(n).add(digest);
        }
        // Longest first, as SecretRegistry: a secret containing another is replaced whole.
        this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    redact(text) {
        const plain = super.redact(this.base ? this.base.redact(text) : text);
        if (!this.lengths.length || plain.length < this.lengths.at(-1))
            return plain;
        let out = '';
        let i = 0;
        outer: while (i < plain.length) {
            for (const n of this.lengths) {
                if (i + n > plain.length)
                    continue;
                if (this.byLength.get(n).has(hmac(this.h.key, plain.slice(i, i + n)))) {
                    out += '***';
                    i += n;
                    continue outer;
                }
            }
            out += plain[i];
            i++;
        }
        return out;
    }
}
const operate_model_digestOf = (image) => /@(sha256:[a-f0-9]{64})/.exec(image)?.[1];
/** `docker service inspect` JSON → per service: mode, spec image, release env, update status. */
function parseServiceInspect(json) {
    const out = new Map();
    let list;
    try {
        list = JSON.parse(json || '[]');
    }
    catch {
        return out;
    }
    for (const s of Array.isArray(list) ? list : []) {
        const spec = s.Spec ?? {};
        const cs = spec.TaskTemplate?.ContainerSpec ?? {};
        const env = Array.isArray(cs.Env) ? cs.Env : [];
        const release = env.find((e) => e.startsWith('RAGSHIP_RELEASE='))?.slice('RAGSHIP_RELEASE='.length);
        const u = s.UpdateStatus;
        const name = String(spec.Name ?? '');
        out.set(name, {
            name,
            mode: Object.keys(spec.Mode ?? {})[0]?.toLowerCase() ?? '',
            specImage: String(cs.Image ?? ''),
            release: release || undefined,
            update: u
                ? {
                    name,
                    state: u.State ?? '',
                    startedAt: u.StartedAt ?? '',
                    image: String(cs.Image ?? ''),
                    message: u.Message ?? '',
                }
                : undefined,
        });
    }
    return out;
}
/**
 * One service of the stack against the active release. `expectedImage` is the image the
 * release's stack file names; problems make `status` exit 4, drift 3.
 */
function judgeSwarmService(svc, o) {
    const base = {
        host: o.host,
        role: o.role,
        service: o.name,
        expectedImage: o.expectedImage,
        containers: [],
    };
    const swarm = {
        replicas: svc ? `${svc.running}/${svc.desired}` : '0/0',
        update: svc?.update
            ? `${svc.update.state}${svc.update.message ? `: ${svc.update.message}` : ''}`
            : 'none',
        tasks: o.tasks,
    };
    if (!svc)
        return { ...base, swarm, problem: 'no such service in the stack (removed by hand?)' };
    if (!o.expected)
        return { ...base, swarm, drift: 'runs in the stack, but the active release has no such service' };
    const out = { ...base, swarm };
    const problems = [];
    // A global service counts a task for a down node as desired: that is the node's problem.
    const live = svc.mode === 'global' ? svc.desired - o.downNodes.size : svc.desired;
    if (svc.running < live)
        problems.push(`${svc.running}/${svc.desired} tasks running`);
    if (svc.update && /paused/.test(svc.update.state))
        problems.push(`update ${svc.update.state}: ${svc.update.message}`);
    const failing = o.tasks.filter((t) => t.error && !/^Running/.test(t.current));
    if (failing.length && svc.running < live)
        problems.push(failing.map((t) => `${t.name}@${t.node || '?'}: ${t.error}`).join('; '));
    if (problems.length)
        out.problem = problems.join('; ');
    const drift = [];
    const want = o.expectedImage && operate_model_digestOf(o.expectedImage);
    if (want && operate_model_digestOf(svc.specImage) !== want)
        drift.push(`the service runs ${svc.specImage}, not ${o.expectedImage}`);
    else if (want) {
        const other = o.tasks.filter((t) => /^Running/.test(t.current) && operate_model_digestOf(t.image) && operate_model_digestOf(t.image) !== want);
        if (other.length)
            drift.push(`${other.map((t) => `${t.name}@${t.node}`).join(', ')} still run ${operate_model_digestOf(other[0].image)} (${svc.update?.state === 'updating' ? 'an update is running' : 'not the release'})`);
    }
    if (o.releaseFolder && svc.release && svc.release !== o.releaseFolder)
        drift.push(`the service has the env of release ${svc.release}, not ${o.releaseFolder}`);
    if (drift.length)
        out.drift = drift.join('; ');
    return out;
}

;// CONCATENATED MODULE: ./src/swarm/stack.ts





/** Where each ragship secret is mounted in a task (Swarm keeps it in memory: a tmpfs). */
const SECRET_PREFIX = 'ragship.';
/**
 * Turns /run/secrets/ragship.<KEY> into the env var KEY, byte for byte (a trailing newline, `$`,
 * quotes stay as they were: nothing is evaluated), then runs the service's own command. So the
 * app reads its secrets from the environment as on compose hosts, and no env file exists.
 */
const SECRETS_TO_ENV = 'for f in /run/secrets/ragship.*; do [ -f "$f" ] || continue; k=${f##*/ragship.}; ' +
    'v=$(cat "$f"; printf x); v=${v%x}; export "$k=$v"; done; unset f k v; exec "$@"';
/** `docker stack deploy` interpolates `$` in compose files: literal text is written as `$$`. */
const literal = (text) => text.replaceAll('$', () => '$$');
/** `docker stack deploy` healthcheck + update policy from the role's health settings. */
function healthcheckOf(h, existing) {
    if (h.compose)
        return existing;
    const url = `http://127.0.0.1:${h.port}${h.http}`;
    // Whatever the image has: curl, wget, or node (the probe runs inside the task).
    const node = `node -e "require('http').get('${url}',r=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))"`;
    return {
        test: [
            'CMD-SHELL',
            `curl -fsS -o /dev/null '${url}' 2>/dev/null || wget -q -O /dev/null '${url}' 2>/dev/null || ${node}`,
        ],
        interval: `${Math.max(1, h.interval)}s`,
        timeout: `${Math.max(2, Math.min(10, h.interval * 5))}s`,
        retries: Math.max(h.successes, 3),
        start_period: `${Math.max(1, h.timeout)}s`,
    };
}
/** update_config / rollback_config: one task at a time, new before old, Swarm rolls back. */
function updatePolicy(role) {
    const monitor = Math.max(5, Math.ceil(role.health.interval * (role.health.successes + 2)));
    return {
        update_config: {
            parallelism: 1,
            delay: '0s',
            order: 'start-first',
            failure_action: 'rollback',
            monitor: `${monitor}s`,
            max_failure_ratio: 0,
        },
        rollback_config: {
            parallelism: 1,
            delay: '0s',
            order: 'start-first',
            failure_action: 'pause',
            monitor: `${monitor}s`,
        },
    };
}
function commandOf(svc, image, where) {
    const asList = (v) => v == null ? null : Array.isArray(v) ? v.map(String) : ['/bin/sh', '-c', String(v)];
    const fromImage = (v) => (v ? v.map(literal) : null);
    const entrypoint = svc.entrypoint !== undefined ? asList(svc.entrypoint) : fromImage(image?.entrypoint);
    // An entrypoint set in the compose file drops the image's CMD (as `docker run --entrypoint`).
    const cmd = svc.command !== undefined
        ? asList(svc.command)
        : svc.entrypoint !== undefined
            ? null
            : fromImage(image?.cmd);
    const all = [...(entrypoint ?? []), ...(cmd ?? [])];
    if (!all.length)
        throw new core_errors/* ConfigError */.xL(where, 'the image has no command to run after the secrets are read', 'set `command:` in the compose file');
    return all;
}
/** The release's stack files: one per compose file of each role, in role order. */
function renderStack(i) {
    const files = [];
    const services = [];
    const secretEntries = Object.entries(i.secrets);
    for (const [roleName, role] of i.roles) {
        const b = i.bundles.get(roleName);
        const pinned = (0,render/* imageServicesOf */.z6)(role);
        const receivers = new Set(pinned.length ? pinned : [role.service]);
        const oneOff = new Set([role.migrate?.service, role.prefetch?.service].filter(Boolean));
        b.composeFiles.forEach((f, n) => {
            const doc = ((0,dist/* parse */.qg)(f.content) ?? {});
            doc.version = '3.8';
            for (const [name, svc] of Object.entries(doc.services ?? {})) {
                if (oneOff.has(name) || svc.profiles) {
                    // One-offs run as the migration job, never as a service of the stack.
                    delete doc.services[name];
                    continue;
                }
                const where = `roles.${roleName} service ${name}`;
                for (const k of ['build', 'container_name', 'depends_on', 'restart', 'env_file', 'profiles'])
                    delete svc[k];
                if (receivers.has(name) && secretEntries.length) {
                    const image = String(svc.image ?? '');
                    const command = commandOf(svc, i.commands.get(image), where);
                    svc.entrypoint = ['/bin/sh', '-c', literal(SECRETS_TO_ENV), 'ragship'];
                    svc.command = command;
                    svc.secrets = [
                        ...(svc.secrets ?? []),
                        ...secretEntries.map(([key, source]) => ({ source, target: `${SECRET_PREFIX}${key}` })),
                    ];
                }
                if (receivers.has(name)) {
                    svc.environment = {
                        ...(Array.isArray(svc.environment)
                            ? Object.fromEntries(svc.environment.map((e) => [
                                e.split('=')[0],
                                e.split('=').slice(1).join('='),
                            ]))
                            : (svc.environment ?? {})),
                        RAGSHIP_RELEASE: i.releaseId,
                    };
                }
                if (name === role.service) {
                    svc.deploy ??= {};
                    const deploy = svc.deploy;
                    deploy.replicas ??= role.replicas;
                    Object.assign(deploy, updatePolicy(role));
                    // Tasks are reached by their own addresses (tasks.<service>): no virtual IP, which
                    // needs IPVS in the kernel (docs/swarm.md).
                    if (role.proxy)
                        deploy.endpoint_mode ??= 'dnsrr';
                    const hc = healthcheckOf(role.health, svc.healthcheck);
                    if (hc)
                        svc.healthcheck = hc;
                    svc.stop_grace_period = `${Math.round(role.stopGrace)}s`;
                }
                if (role.proxy && name === role.proxy.service) {
                    svc.deploy ??= {};
                    const deploy = svc.deploy;
                    // One proxy per node, published on the node itself (no ingress mesh needed).
                    deploy.mode ??= 'global';
                    deploy.update_config ??= { parallelism: 1, order: 'stop-first', failure_action: 'rollback' };
                }
                services.push(`${i.stack}_${name}`);
            }
            if (secretEntries.length)
                doc.secrets = {
                    ...(doc.secrets ?? {}),
                    ...Object.fromEntries(secretEntries.map(([, source]) => [source, { external: true }])),
                };
            for (const [cname, c] of Object.entries(doc.configs ?? {})) {
                if (!c.file)
                    continue;
                const path = external_node_path_.posix.isAbsolute(c.file)
                    ? c.file
                    : external_node_path_.posix.join(i.filesDir(roleName), external_node_path_.posix.normalize(c.file));
                if (!path.startsWith(`${i.filesDir(roleName)}/`) && !external_node_path_.posix.isAbsolute(c.file))
                    throw new core_errors/* ConfigError */.xL(`roles.${roleName}.compose`, `config ${cname} points outside the repo`, 'list it in files:');
                const fromFile = b.files.find((x) => external_node_path_.posix.join(i.filesDir(roleName), x.path) === path);
                c.file = path;
                // Swarm configs cannot change in place: a new name whenever the content does.
                c.name ??= `${i.stack}_${cname}_${(0,env_file/* sha256 */.sc)(fromFile?.content ?? path).slice(7, 19)}`;
            }
            files.push({ name: `stack-${roleName}-${n}.yaml`, content: (0,dist/* stringify */.As)(doc, { lineWidth: 0 }) });
        });
    }
    return { files, hash: (0,env_file/* sha256 */.sc)(files.map((f) => f.content).join('\0')), services: [...new Set(services)] };
}

;// CONCATENATED MODULE: ./src/swarm/run.ts
















const stackName = (s) => `${s.app}-${s.inputs.environment}`;
const stackDir = (h, releaseId) => external_node_path_.posix.join(h.root, 'releases', releaseId, 'stack');
/** The manager (first host of the environment): root, swarm role, registry login. */
async function preflightManager(s) {
    const h = s.primary;
    const layout = await s.resolveRoot(h);
    await h.host.exec((0,deploy_commands/* mkdirs */.Nc)(layout.root, layout.releases));
    const state = (await h.host.exec(swarmState, { allowFailure: true })).stdout.trim();
    if (state !== 'active true')
        throw new core_errors/* UserError */.yo(`${h.key} preflight`, `engine: swarm needs a Swarm manager, but this host's Docker says "${state || 'no answer'}" (LocalNodeState ControlAvailable)`, 'list a manager first in the role hosts (docker swarm init / join --token <manager token>), see docs/swarm.md');
    await s.login(h);
    return h;
}
async function resolveDigest(h, image) {
    if (image.includes('@sha256:'))
        return image.replace(/:[^/:@]+@/, '@');
    await h.host.exec((0,deploy_commands/* pullImage */.ZP)(image), { where: `${h.key} pull ${image}` });
    const r = await h.host.exec([
        'docker',
        'image',
        'inspect',
        '--format',
        '{{range .RepoDigests}}{{.}}\n{{end}}',
        image,
    ]);
    const repo = image.replace(/:[^/:]+$/, '');
    const digest = r.stdout.split('\n').find((d) => d.startsWith(`${repo}@`));
    if (!digest)
        throw new core_errors/* UserError */.yo('image', `${image} has no registry digest on ${h.key}`, 'push the image and deploy repo@sha256:…');
    return digest;
}
async function commandsOf(h, images) {
    const out = new Map();
    for (const image of images) {
        if ((await h.host.exec((0,deploy_commands/* imageExists */.US)(image), { allowFailure: true })).code !== 0)
            await h.host.exec((0,deploy_commands/* pullImage */.ZP)(image), { where: `${h.key} pull ${image}`, timeoutMs: 1_800_000 });
        const [ep, cmd] = (await h.host.exec(imageCommand(image))).stdout.trim().split('\t');
        out.set(image, { entrypoint: JSON.parse(ep ?? 'null'), cmd: JSON.parse(cmd ?? 'null') });
    }
    return out;
}
async function recordOnManager(s, h, rec, jobImage) {
    const log = external_node_path_.posix.join(h.root, 'releases.jsonl');
    const written = await h.host.exec((0,deploy_commands/* appendStdin */.d0)(log), { input: `${JSON.stringify(rec)}\n` }).then(() => true, (e) => {
        s.ports.logger.warn(`the release log could not be written on ${h.key}: ${(0,core_errors/* errorMessage */.gJ)(e)}`);
        return false;
    });
    if (!written || !jobImage)
        return;
    // The whole log of record, as this manager has it, to every other manager.
    const text = (await h.host.readFile(log))?.toString('utf8') ?? '';
    const owner = (await h.host.exec(['id', '-u'])).stdout.trim();
    const group = (await h.host.exec(['id', '-g'])).stdout.trim();
    await replicateLog({
        host: h.host,
        stack: stackName(s),
        image: jobImage,
        id: rec.id,
        logger: s.ports.logger,
        where: h.key,
        root: h.root,
        owner: `${owner}:${group}`,
        log: text,
    });
}
/** Deploys a release as `docker stack deploy` on a manager (engine: swarm). */
async function runSwarmDeploy(inputs, ports) {
    const s = new session/* EnvSession */.G(inputs, ports);
    const logger = ports.logger;
    (0,session/* admitEnv */.X)(s, inputs.env, logger);
    const stack = stackName(s);
    const timings = [];
    const startedAt = new Date();
    const releaseId = (0,release_log/* newReleaseId */.Po)(startedAt, inputs.gitSha);
    let lock;
    let rec;
    let created = [];
    let manager;
    let converged;
    let previousImage;
    try {
        const h = await (0,apply/* step */.PM)(s, timings, 'preflight', 'manager', () => preflightManager(s));
        manager = h;
        const image = await resolveDigest(h, inputs.image);
        const bundles = new Map(s.roles.map(([n, r]) => [n, (0,render/* renderRole */.DP)(n, r, inputs.repoDir, image, {}, releaseId)]));
        const secrets = Object.fromEntries(Object.keys(inputs.env).map((k) => [k, secretName(stack, releaseId, k)]));
        const receivers = s.roles.flatMap(([n, r]) => r.appImage ? [image] : [String(serviceImage(bundles.get(n), r.service))]);
        const commands = Object.keys(secrets).length || s.roles.some(([, r]) => r.migrate)
            ? await commandsOf(h, [...new Set(receivers)])
            : new Map();
        const dir = stackDir(h, releaseId);
        const rendered = renderStack({
            stack,
            releaseId,
            bundles,
            roles: s.roles,
            secrets,
            commands,
            filesDir: (role) => external_node_path_.posix.join(dir, 'files', role),
        });
        if (inputs.dryRun) {
            logger.info(`dry run: would deploy ${image} as ${releaseId} to stack ${stack} on ${h.key}`);
            for (const f of rendered.files)
                logger.info(`${f.name}:\n${f.content}`);
            return finish(s, { releaseId, image, timings, pruned: [], stack, dry: true });
        }
        lock = await (0,apply/* lockEnvironment */.p1)(s, timings, inputs, ports.onLocked);
        const before = await s.readReleases(h);
        const previous = (0,release_log/* activeRelease */.G6)(before);
        previousImage = previous?.image;
        rec = {
            id: releaseId,
            kind: 'deploy',
            app: s.app,
            environment: inputs.environment,
            gitSha: inputs.gitSha,
            image,
            images: Object.fromEntries(s.roles.filter(([, r]) => r.appImage).map(([n]) => [n, image])),
            composeHash: [...bundles.values()].map((b) => b.composeHash).join(','),
            envHash: (0,env_hash/* keyedEnvHash */.u)(await (0,env_hash/* envHashKey */.ns)(h.host), (0,env_file/* envOverlay */.kN)(['app'], inputs.env)),
            actor: inputs.actor,
            runUrl: inputs.runUrl,
            result: 'failed',
            startedAt: startedAt.toISOString(),
            finishedAt: '',
            timings: {},
            previous: previous?.id,
            schemaVersion: inputs.schemaVersion,
        };
        await (0,apply/* step */.PM)(s, timings, 'upload', h.key, async () => {
            const roleFiles = [...bundles.entries()].flatMap(([role, b]) => b.files.map((f) => ({ path: external_node_path_.posix.join(dir, 'files', role, f.path), content: f.content })));
            await h.host.exec((0,deploy_commands/* mkdirs */.Nc)(dir, ...new Set(roleFiles.map((f) => external_node_path_.posix.dirname(f.path)))));
            for (const f of rendered.files)
                await h.host.upload(external_node_path_.posix.join(dir, f.name), f.content, 0o600);
            for (const f of roleFiles)
                await h.host.upload(f.path, f.content, 0o644);
            const manifest = {
                releaseId,
                engine: 'swarm',
                stack,
                image,
                files: rendered.files.map((f) => f.name),
                services: rendered.services,
                secrets: Object.values(secrets),
                redact: redactHashes(Object.values(inputs.env)),
            };
            await h.host.upload(external_node_path_.posix.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
        });
        await (0,apply/* step */.PM)(s, timings, 'secrets', `${Object.keys(secrets).length} secret(s)`, async () => {
            for (const [key, name] of Object.entries(secrets)) {
                await h.host.exec(secretCreate(name, { 'ragship.stack': stack, 'ragship.release': releaseId }), {
                    input: inputs.env[key],
                    where: `${h.key} docker secret create (${key})`,
                });
                created.push(name);
            }
        });
        const network = `${stack}_default`;
        if ((await h.host.exec(networkExists(network), { allowFailure: true })).code !== 0)
            await h.host.exec(networkCreate(stack, network), { where: `${h.key} overlay network ${network}` });
        for (const [roleName, role] of s.roles) {
            if (!role.migrate)
                continue;
            await lock.assertHeld();
            await (0,apply/* step */.PM)(s, timings, 'migrate', h.key, async () => {
                const svc = (serviceOf(bundles.get(roleName), role.migrate.service) ?? {});
                const own = commands.get(image) ?? { entrypoint: null, cmd: null };
                const original = role.migrate.command ?? [
                    ...(svc.entrypoint ?? own.entrypoint ?? []),
                    ...(svc.command ?? (svc.entrypoint ? [] : (own.cmd ?? []))),
                ];
                await runMigration(s, h, {
                    name: `${stack}_migrate_${releaseId.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 63),
                    stack,
                    network,
                    image,
                    secrets: Object.entries(secrets).map(([k, source]) => ({ source, target: `${SECRET_PREFIX}${k}` })),
                    env: { RAGSHIP_RELEASE: releaseId },
                    entrypoint: ['/bin/sh', '-c'],
                    args: [SECRETS_TO_ENV, 'ragship', ...original],
                    timeoutSeconds: role.migrate.timeout,
                });
            });
        }
        await lock.assertHeld();
        converged = await (0,apply/* step */.PM)(s, timings, 'stack deploy + rolling update', h.key, () => deployStack(s, h, stack, dir, rendered.files.map((f) => f.name), rendered.services, image));
        rec.result = 'success';
        created = [];
        let pruned = [];
        await (0,apply/* step */.PM)(s, timings, 'record + prune', h.key, async () => {
            rec.finishedAt = new Date().toISOString();
            rec.timings = Object.fromEntries(timings.map((t) => [t.step, t.ms]));
            await recordOnManager(s, h, rec, image);
            pruned = await pruneSwarm(s, h, stack, [...before, rec], inputs.config.retain, {
                image,
                id: releaseId,
            });
        });
        return finish(s, {
            releaseId,
            image,
            previousReleaseId: previous?.id,
            timings,
            pruned,
            stack,
            converged,
            records: [...before, rec],
        });
    }
    catch (err) {
        if (manager && created.length)
            await manager.host.exec(secretRemove(created), { allowFailure: true }).catch(() => undefined);
        if (manager && rec && rec.result !== 'success') {
            rec.error = (0,core_errors/* errorMessage */.gJ)(err).slice(0, 2000);
            rec.finishedAt = new Date().toISOString();
            // The copy job runs the active release's image: the failed one may not even start.
            await recordOnManager(s, manager, rec, previousImage);
        }
        throw err;
    }
    finally {
        await lock
            ?.release()
            .catch((e) => logger.warn(`could not release the deploy lock: ${(0,core_errors/* errorMessage */.gJ)(e)} — it expires after its TTL`));
        s.close();
    }
}
/** A service of a role's rendered compose files (image pinned), as parsed YAML. */
function serviceOf(b, name) {
    let found;
    for (const f of b.composeFiles) {
        const doc = ((0,dist/* parse */.qg)(f.content) ?? {});
        if (doc.services?.[name])
            found = { ...found, ...doc.services[name] };
    }
    return found;
}
function serviceImage(b, name) {
    return serviceOf(b, name)?.image;
}
/** The migration as a replicated job: waits for it, prints its output, removes it. */
async function runMigration(s, h, o) {
    await h.host.exec(migrationJob(o), { where: `${h.key} migration job` });
    const deadline = performance.now() + o.timeoutSeconds * 1000;
    let state = '';
    let error = '';
    try {
        for (;;) {
            const ps = await h.host.exec(servicePs(o.name), { allowFailure: true });
            const first = ps.stdout.split('\n').find(Boolean)?.split('\t') ?? [];
            state = first[3] ?? '';
            error = first[4] ?? '';
            if (/^(Complete|Failed|Rejected|Shutdown|Orphaned)/.test(state))
                break;
            if (performance.now() > deadline)
                break;
            await new Promise((r) => setTimeout(r, 1000));
        }
        const logs = await h.host.exec(serviceLogs(o.name, 40), { allowFailure: true, timeoutMs: 30_000 });
        const output = (0,core_errors/* tail */.RT)(`${logs.stdout}${logs.stderr}`, 40);
        if (output)
            s.ports.logger.info(output);
        if (!state.startsWith('Complete'))
            throw new core_errors/* UserError */.yo(`${h.key} migrate`, state && !/^(Failed|Rejected)/.test(state) && performance.now() > deadline
                ? `the migration did not finish within ${o.timeoutSeconds} s and was stopped; no service was updated, the old release keeps serving:\n${output}`
                : `the migration job ended "${state}"${error ? ` (${error})` : ''}; no service was updated, the old release keeps serving:\n${output}`, 'fix the migration and deploy again');
    }
    finally {
        await h.host.exec(serviceRemove([o.name]), { allowFailure: true }).catch(() => undefined);
    }
}
async function deployStack(s, h, stack, dir, files, services, image) {
    const before = await updateSnapshot(h.host, services);
    const r = await h.host.exec(stackDeploy(stack, files.map((f) => external_node_path_.posix.join(dir, f))), {
        allowFailure: true,
        where: `${h.key} docker stack deploy`,
        timeoutMs: 600_000,
    });
    s.ports.logger.info((0,core_errors/* tail */.RT)(`${r.stdout}${r.stderr}`, 40));
    if (r.code !== 0)
        throw new core_errors/* UserError */.yo(`${h.key} docker stack deploy`, `docker stack deploy exited with status ${r.code}; nothing was updated:\n${(0,core_errors/* tail */.RT)(r.stderr || r.stdout, 20)}`, 'fix the compose files for Swarm (docker stack deploy --help) and deploy again');
    const timeout = Math.max(120, ...s.roles.map(([, role]) => (role.health.timeout + role.health.interval * 10 + 30) * (role.replicas + 1)));
    return converge(h.host, {
        services,
        before,
        image,
        timeoutSeconds: timeout,
        logger: s.ports.logger,
        where: h.key,
    });
}
/**
 * Release folders, secrets and images beyond retention, on the manager and (through a
 * global job, nodes.ts) on every other node. Never a retained release's image; `docker image
 * rm` without --force also refuses any image a container still uses.
 */
async function pruneSwarm(s, h, stack, records, retain, job) {
    const ok = records.filter((r) => r.result === 'success').slice(-retain);
    const keepIds = new Set(ok.flatMap((r) => [r.id, (0,release_log/* releaseFolder */.Uc)(r)]));
    const keep = (0,release_log/* retainedImages */.v2)(records, retain);
    const removed = [];
    const dropIds = [...new Set(records.map((r) => r.id))].filter((id) => !keepIds.has(id));
    if (dropIds.length)
        await h.host.exec((0,deploy_commands/* removeTree */.dM)(...dropIds.map((id) => external_node_path_.posix.join(h.root, 'releases', id))), {
            allowFailure: true,
        });
    const names = (await h.host.exec(secretList(stack), { allowFailure: true })).stdout
        .split('\n')
        .filter(Boolean);
    const stale = names.filter((n) => ![...keepIds].some((id) => n.startsWith(`${stack}_${id}_`) || n.includes(`_${id.slice(0, 24)}_`)));
    for (const n of stale) {
        // `docker secret rm` refuses a secret a service still uses: the last safety net.
        const r = await h.host.exec(secretRemove([n]), { allowFailure: true });
        if (r.code === 0)
            removed.push(`${h.key} secret ${n}`);
    }
    const deployedHere = new Set(records.flatMap((r) => Object.values(r.images)));
    const repos = new Set([...deployedHere].map((ref) => ref.split('@')[0].replace(/:[^/:]+$/, '')));
    for (const repo of repos) {
        const list = await h.host.exec((0,deploy_commands/* listImages */.v8)(repo), { allowFailure: true });
        for (const line of list.stdout.split('\n')) {
            const ref = line.split('\t')[0]?.trim();
            if (!ref || ref.endsWith('@<none>') || keep.has(ref) || !deployedHere.has(ref))
                continue;
            const r = await h.host.exec((0,deploy_commands/* removeImage */.aH)(ref), { allowFailure: true });
            if (r.code === 0)
                removed.push(`${h.key} ${ref}`);
        }
    }
    // Every other node: the images this environment deployed that no retained release uses.
    const oldImages = [...deployedHere].filter((ref) => !keep.has(ref) && ref.includes('@sha256:'));
    removed.push(...(await pruneOtherNodes({ host: h.host, stack, image: job.image, id: job.id, logger: s.ports.logger, where: h.key }, oldImages)));
    return removed;
}
/** Redeploys a recorded release's stack files (its digests and its secrets) as a whole. */
async function runSwarmRollback(inputs, ports) {
    const s = new session/* EnvSession */.G(inputs, ports);
    const t0 = performance.now();
    const timings = [];
    const releaseId = (0,release_log/* newReleaseId */.Po)(new Date());
    const stack = stackName(s);
    let lock;
    let rec;
    let h;
    try {
        h = await (0,apply/* step */.PM)(s, timings, 'preflight', 'manager', () => preflightManager(s));
        const m = h;
        lock = await (0,apply/* lockEnvironment */.p1)(s, timings, inputs, ports.onLocked);
        const records = await s.readReleases(m);
        const target = (0,release_log/* resolveTarget */.u1)(records, inputs.to);
        const folder = (0,release_log/* releaseFolder */.Uc)(target);
        const raw = await m.host.readFile(external_node_path_.posix.join(stackDir(m, folder), 'manifest.json'));
        if (!raw)
            throw new core_errors/* UserError */.yo('to', `release ${folder} has no release folder on ${m.key} (pruned beyond retention)`, 'roll back to a retained release (`ragship releases`)');
        const manifest = JSON.parse(raw.toString('utf8'));
        const active = (0,release_log/* activeRelease */.G6)(records);
        rec = {
            ...target,
            id: releaseId,
            kind: 'rollback',
            source: folder,
            actor: inputs.actor,
            runUrl: inputs.runUrl,
            result: 'failed',
            startedAt: new Date().toISOString(),
            finishedAt: '',
            timings: {},
            previous: active?.id,
            error: undefined,
            output: undefined,
        };
        if (inputs.reason)
            ports.logger.info(`reason: ${inputs.reason}`);
        await lock.assertHeld();
        const converged = await (0,apply/* step */.PM)(s, timings, 'stack deploy + rolling update', m.key, () => deployStack(s, m, stack, stackDir(m, folder), manifest.files, manifest.services, manifest.image));
        rec.result = 'success';
        rec.finishedAt = new Date().toISOString();
        await recordOnManager(s, m, rec, manifest.image);
        const report = new core_report/* Report */.p()
            .heading(`Rollback ${s.app} ${inputs.environment} to ${target.id} (Swarm stack ${stack})`)
            .table(['', ''], [
            ['image', manifest.image],
            ['from', active?.id ?? '—'],
            ['nodes down during the update', converged.downNodes.join(', ') || 'none'],
        ])
            .heading('Releases', 3)
            .text((0,apply/* releasesTable */.H3)([...records, rec]).toString());
        return {
            releaseId,
            targetReleaseId: target.id,
            fromReleaseId: active?.id,
            image: manifest.image,
            timeToHealthyMs: converged.ms,
            durationMs: Math.round(performance.now() - t0),
            timings,
            connectionsPerHost: s.connectionsPerHost(),
            report,
        };
    }
    catch (err) {
        if (h && rec && rec.result !== 'success') {
            rec.error = (0,core_errors/* errorMessage */.gJ)(err).slice(0, 2000);
            rec.finishedAt = new Date().toISOString();
            await recordOnManager(s, h, rec);
        }
        throw err;
    }
    finally {
        await lock?.release().catch(() => undefined);
        s.close();
    }
}
function finish(s, o) {
    const downNodes = o.converged?.downNodes ?? [];
    const report = new core_report/* Report */.p()
        .heading(`${o.dry ? 'Dry run: ' : ''}Deploy ${s.app} to ${s.inputs.environment} (Swarm stack ${o.stack})`)
        .table(['', ''], [
        ['release', o.releaseId],
        ['image', o.image],
        ['previous release', o.previousReleaseId ?? '—'],
        ['rolling update', `${((o.converged?.ms ?? 0) / 1000).toFixed(1)} s`],
        ['nodes down during the update', downNodes.join(', ') || 'none'],
    ])
        .heading('Steps', 3)
        .table(['step', 'where', 'duration', 'ok'], o.timings.map((t) => [t.step, t.host, `${(t.ms / 1000).toFixed(1)} s`, t.ok ? '✅' : '❌']));
    for (const w of o.converged?.warnings ?? [])
        report.text(`⚠️ ${w}`);
    if (o.pruned.length)
        report.details(`pruned ${o.pruned.length}`, o.pruned.join('\n'));
    if (o.records)
        report.heading('Releases', 3).text((0,apply/* releasesTable */.H3)(o.records).toString());
    return {
        releaseId: o.releaseId,
        previousReleaseId: o.previousReleaseId,
        image: o.image,
        url: s.env.url,
        timeToHealthyMs: o.converged?.ms ?? 0,
        timings: o.timings,
        connectionsPerHost: s.connectionsPerHost(),
        report,
        pruned: o.pruned,
        swarm: { stack: o.stack, downNodes, warnings: o.converged?.warnings ?? [] },
    };
}


/***/ })

};
