import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 296;
export const ids = [296];
export const modules = {

/***/ 1915:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runSwarmExec: () => (/* binding */ runSwarmExec),
  runSwarmLogs: () => (/* binding */ runSwarmLogs),
  runSwarmStatus: () => (/* binding */ runSwarmStatus)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/redact.ts
var redact = __webpack_require__(2258);
// EXTERNAL MODULE: ./src/core/report.ts
var report = __webpack_require__(8557);
// EXTERNAL MODULE: ./src/deploy/release-log.ts
var release_log = __webpack_require__(681);
// EXTERNAL MODULE: ./src/operate/commands.ts
var commands = __webpack_require__(5852);
// EXTERNAL MODULE: ./src/operate/environment.ts + 3 modules
var environment = __webpack_require__(2564);
;// CONCATENATED MODULE: ./src/operate/lines.ts
/**
 * Turns a stream of chunks into whole lines with secrets masked. A secret split across two
 * chunks would slip through a per-chunk redaction; a whole line cannot split one (secrets
 * with newlines are also registered line by line).
 */
class lines_LineRedactor {
    secrets;
    emit;
    maxLine;
    buffer = '';
    constructor(secrets, emit, 
    /** Longest partial line kept before it is emitted anyway (a binary stream without \n). */
    maxLine = 64 * 1024) {
        this.secrets = secrets;
        this.emit = emit;
        this.maxLine = maxLine;
    }
    push(chunk) {
        this.buffer += chunk;
        let nl = this.buffer.indexOf('\n');
        while (nl >= 0) {
            this.emit(this.secrets.redact(this.buffer.slice(0, nl).replace(/\r$/, '')));
            this.buffer = this.buffer.slice(nl + 1);
            nl = this.buffer.indexOf('\n');
        }
        if (this.buffer.length > this.maxLine)
            this.flush();
    }
    flush() {
        if (this.buffer)
            this.emit(this.secrets.redact(this.buffer));
        this.buffer = '';
    }
}

// EXTERNAL MODULE: ./src/config/load.ts + 20 modules
var load = __webpack_require__(811);
// EXTERNAL MODULE: ./src/operate/status-model.ts
var status_model = __webpack_require__(4552);
;// CONCATENATED MODULE: ./src/operate/logs.ts







/** Lines per container when neither --tail nor --since is given (like `kamal app logs`). */
const DEFAULT_TAIL = 100;
/**
 * `ragship logs`: `docker logs` of every container of the selected roles, services and hosts,
 * each as one channel of the host's single SSH connection, merged line by line with a
 * host/service prefix, the release's env values masked, filtered by --grep.
 */
async function runLogs(inputs, ports) {
    if (environmentOf(inputs.config, inputs.environment).engine === 'swarm')
        return (await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 1915))).runSwarmLogs(inputs, ports);
    const e = new DeployedEnvironment(inputs, ports);
    const registry = ports.secrets ?? processSecrets;
    let aborted = false;
    const onAbort = () => {
        aborted = true;
        e.close();
    };
    try {
        const targets = pickTargets(e, e.roles(inputs.role), inputs.host);
        await e.open();
        const streams = [];
        let serviceKnown = !inputs.service || !e.active;
        for (const { roleName, hosts } of targets) {
            for (const h of hosts) {
                // The env values of the running release: masked in every line printed from now on.
                await e.maskReleaseEnv(h, roleName).catch((err) => ports.logger.debug(errorMessage(err)));
                if (inputs.service && !serviceKnown) {
                    const rel = await e.activeOn(h, roleName).catch(() => undefined);
                    serviceKnown = !!rel?.manifest.services.includes(inputs.service);
                }
                streams.push(...(await containersOf(e, h, roleName, inputs.service)));
            }
        }
        if (!serviceKnown)
            await unknownService(e, targets, inputs.service);
        if (!streams.length)
            throw new UserError(`environment ${inputs.environment}`, `no container${inputs.service ? ` of service ${inputs.service}` : ''} on ${targets
                .flatMap((t) => t.hosts.map((h) => h.key))
                .join(', ')}`, 'deploy first, or check `ragship status`');
        ports.signal?.addEventListener('abort', onAbort, { once: true });
        if (ports.signal?.aborted)
            onAbort();
        let lines = 0;
        const failed = [];
        const tail = inputs.tail ?? (inputs.since ? undefined : DEFAULT_TAIL);
        await Promise.all(streams.map(async (st) => {
            const emit = (stream) => new LineRedactor(registry, (line) => {
                if (inputs.grep && !inputs.grep.test(line))
                    return;
                lines++;
                ports.onLine({ host: shortHost(st.h), role: st.role, source: st.source, stream, line });
            });
            const out = emit('stdout');
            const err = emit('stderr');
            try {
                if (aborted)
                    return;
                const run = await st.h.host.execStream(containerLogs(st.id, { since: inputs.since, tail, follow: inputs.follow }), { where: `${st.h.key} logs ${st.source}`, onStderr: (c) => err.push(c) });
                run.stdout.setEncoding('utf8');
                run.stdout.on('data', (c) => out.push(c));
                const ended = new Promise((resolve) => run.stdout.once('close', resolve));
                const error = await run.done.then(() => undefined, (x) => x);
                await ended;
                if (error && !aborted)
                    throw error;
            }
            catch (x) {
                if (!aborted) {
                    failed.push(`${st.h.key} ${st.source}: ${errorMessage(x)}`);
                    ports.logger.warn(`logs of ${st.source} on ${st.h.key} ended: ${errorMessage(x)}`);
                }
            }
            finally {
                out.flush();
                err.flush();
            }
        }));
        if (!aborted && failed.length === streams.length)
            throw new UserError('logs', `every log stream failed:\n${failed.join('\n')}`, 'check `ragship status`');
        return { containers: streams.length, lines, failed, connectionsPerHost: e.s.connectionsPerHost() };
    }
    finally {
        ports.signal?.removeEventListener('abort', onAbort);
        e.close();
    }
}
/** Roles and hosts picked by --role/--host; --host alone picks the roles that host is in. */
function pickTargets(e, roles, host) {
    const picked = roles.flatMap(([roleName]) => {
        try {
            return [{ roleName, hosts: e.hosts(roleName, host) }];
        }
        catch {
            return [];
        }
    });
    // None matched: let the first role explain which hosts exist.
    if (!picked.length)
        e.hosts(roles[0][0], host);
    return picked;
}
async function containersOf(e, h, roleName, service) {
    const ids = (await h.host.exec(projectContainers(e.s.project(roleName), service))).stdout
        .split('\n')
        .filter(Boolean);
    if (!ids.length)
        return [];
    const now = Number((await h.host.exec(hostClock)).stdout.trim());
    const cs = parseInspect((await h.host.exec(inspectContainers(ids), { allowFailure: true })).stdout, now);
    const perService = new Map();
    for (const c of cs)
        perService.set(c.service, (perService.get(c.service) ?? 0) + 1);
    return cs
        .sort((a, b) => a.service.localeCompare(b.service) || a.startedAt.localeCompare(b.startedAt))
        .map((c) => ({
        h,
        role: roleName,
        id: c.id,
        source: (perService.get(c.service) ?? 0) > 1 ? `${c.service}.${c.id.slice(0, 6)}` : c.service,
    }));
}
async function unknownService(e, targets, service) {
    const known = new Set();
    for (const t of targets) {
        const rel = await e.activeOn(t.hosts[0], t.roleName).catch(() => undefined);
        for (const s of rel?.manifest.services ?? [])
            known.add(s);
    }
    throw new ConfigError('--service', `${JSON.stringify(service)} is not a service of the active release`, `use one of: ${[...known].join(', ') || 'none (nothing deployed)'}`);
}

// EXTERNAL MODULE: ./src/operate/status.ts
var operate_status = __webpack_require__(6120);
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
    const h = createHash('sha256').update(`${stack}\0${releaseId}\0${key}`).digest('hex');
    return `${stack.slice(0, 20)}_${releaseId.slice(0, 24)}_${h.slice(0, 18)}`;
}
/** id, name, mode, replicas, image of the stack's services, tab-separated. */
const commands_stackServices = (stack) => [
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
const commands_updateStatus = (services) => [
    'docker',
    'service',
    'inspect',
    '--format',
    '{{.Spec.Name}}\t{{if .UpdateStatus}}{{.UpdateStatus.State}}\t{{.UpdateStatus.StartedAt}}{{else}}none\t-{{end}}\t{{.Spec.TaskTemplate.ContainerSpec.Image}}\t{{if .UpdateStatus}}{{.UpdateStatus.Message}}{{end}}',
    ...services,
];
/** Tasks of a service: name, node, desired state, current state, error, image. */
function commands_servicePs(service, running = false) {
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
const commands_nodeList = [
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
const selfNodeId = (/* unused pure expression or super */ null && (['docker', 'info', '--format', '{{.Swarm.NodeID}}']));
/** Ids of the swarm's managers. */
const managerIds = (/* unused pure expression or super */ null && (['docker', 'node', 'ls', '--quiet', '--filter', 'role=manager']));
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
                throw new UserError(`${o.where} rolling update`, `Swarm rolled back the update of ${name}: ${u.message}; the previous release keeps serving${down.size ? ` (nodes down: ${[...down].join(', ')})` : ''}${await taskErrors(host, name)}`, 'check the health of the new release (docker service ps / ragship logs), fix it and deploy again');
            }
            if (fresh && u.state === 'paused')
                throw new UserError(`${o.where} rolling update`, `the update of ${name} is paused: ${u.message}${down.size ? ` (nodes down: ${[...down].join(', ')})` : ''}${await taskErrors(host, name)}`, 'check the nodes and the tasks (docker service ps), then deploy again or roll back');
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
            throw new UserError(`${o.where} rolling update`, `the update stalled: ${pending.join(', ')} did not converge within ${o.timeoutSeconds} s${down.size ? `; nodes down: ${[...down].join(', ')}` : ''}${errors}`, 'check the nodes (docker node ls) and the tasks (docker service ps); the services keep what Swarm left running');
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
    return lines.length ? `\n${tail(lines.join('\n'), 5)}` : '';
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
            tasks = parseTasks((await host.exec(commands_servicePs(name), { allowFailure: true })).stdout);
            const down = o.skipDownNodes
                ? new Set(downNodesOf((await host.exec(commands_nodeList, { allowFailure: true })).stdout))
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

;// CONCATENATED MODULE: ./src/swarm/operate-model.ts


const hmac = (key, text) => (0,external_node_crypto_.createHmac)('sha256', key).update(text).digest('hex');
function redactHashes(values, key = randomBytes(32).toString('hex')) {
    const registry = new SecretRegistry();
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

// EXTERNAL MODULE: ./src/deploy/env-file.ts
var env_file = __webpack_require__(5535);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./src/deploy/env-hash.ts


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
        throw new UserError(`${host.label} ${path || '~/.ragship/env-hash.key'}`, `is not a ${ENV_HASH_KEY_BYTES}-byte env-hash key (${key ? `${key.length} bytes` : 'unreadable'})`, 'remove it on the host; the next deploy creates a new one (earlier releases then show a changed env)');
    return key;
}
/**
 * The release log's `envHash`: HMAC-SHA256 of the env overlay under the host's secret key, so
 * equal envs compare equal on that host (what rollback and `releases` show) while a reader of
 * the log cannot confirm a guessed secret value offline, as an unsalted SHA-256 allowed.
 */
function env_hash_keyedEnvHash(key, material) {
    return `hmac-sha256:${createHmac('sha256', key).update(material).digest('hex')}`;
}

;// CONCATENATED MODULE: ./src/deploy/render.ts






/** Services pinned to the deployed app image (none for a role with `appImage: false`). */
function render_imageServicesOf(role) {
    if (!role.appImage)
        return [];
    return [...new Set([role.service, ...role.imageServices, ...(role.migrate ? [role.migrate.service] : [])])];
}
/** Services whose images are pulled before anything changes: the app image, or the role's own. */
function pullServicesOf(role) {
    return role.appImage ? render_imageServicesOf(role) : [role.service];
}
function renderRole(roleName, role, repoDir, image, env, releaseId, 
/** The primary host's env-hash key (env-hash.ts): envHash is keyed; without it, plain SHA-256. */
envKey) {
    const pinned = render_imageServicesOf(role);
    const services = new Map();
    const composeFiles = role.compose.map((file, i) => {
        let doc;
        try {
            doc = parseYaml(readFileSync(join(repoDir, file), 'utf8')) ?? {};
        }
        catch (err) {
            throw new ConfigError(`roles.${roleName}.compose[${i}]`, `cannot read ${file}: ${err.message}`, 'give a compose file path relative to the repo root');
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
            name: `compose-${i}-${posix.basename(file)}`,
            content: stringify(doc, { lineWidth: 0, version: '1.1' }),
        };
    });
    for (const s of [...new Set([role.service, ...pinned, ...(role.services ?? [])])]) {
        if (!services.has(s))
            throw new ConfigError(`roles.${roleName}`, `service ${JSON.stringify(s)} is not in ${role.compose.join(', ')}`, `use one of: ${[...services.keys()].join(', ')}`);
    }
    if (role.proxy && !services.has(role.proxy.service)) {
        throw new ConfigError(`roles.${roleName}.proxy.service`, `${JSON.stringify(role.proxy.service)} is not a service of ${role.compose.join(', ')}`, `use one of: ${[...services.keys()].join(', ')}`);
    }
    const oneOff = new Set([role.migrate?.service, role.prefetch?.service].filter(Boolean));
    const supportServices = [...services.entries()]
        .filter(([n, s]) => n !== role.service && n !== role.proxy?.service && !oneOff.has(n) && !s.profiles)
        .map(([n]) => n);
    // A role without the app image (vLLM) still receives the deploy's env (e.g. HF_TOKEN).
    const envServices = pinned.length ? pinned : [role.service];
    const overlay = envOverlay(envServices, { ...env, RAGSHIP_RELEASE: releaseId });
    const composeEnv = Object.entries(role.vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join('');
    const files = role.files.map((f) => {
        try {
            return { path: f, content: readFileSync(join(repoDir, f)) };
        }
        catch (err) {
            throw new ConfigError(`roles.${roleName}.files`, `cannot read ${f}: ${err.message}`, 'list files that exist, relative to the repo root');
        }
    });
    // The compose hash covers everything but secrets, so a rollback shows what changed.
    const composeHash = sha256([
        ...composeFiles.map((f) => f.content),
        composeEnv,
        ...files.map((f) => `${f.path}\0${f.content.toString('base64')}`),
    ].join('\0'));
    const envMaterial = envOverlay(envServices, env);
    const envHash = envKey ? keyedEnvHash(envKey, envMaterial) : sha256(envMaterial);
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
        throw new ConfigError(where, 'the image has no command to run after the secrets are read', 'set `command:` in the compose file');
    return all;
}
/** The release's stack files: one per compose file of each role, in role order. */
function renderStack(i) {
    const files = [];
    const services = [];
    const secretEntries = Object.entries(i.secrets);
    for (const [roleName, role] of i.roles) {
        const b = i.bundles.get(roleName);
        const pinned = imageServicesOf(role);
        const receivers = new Set(pinned.length ? pinned : [role.service]);
        const oneOff = new Set([role.migrate?.service, role.prefetch?.service].filter(Boolean));
        b.composeFiles.forEach((f, n) => {
            const doc = (parseYaml(f.content) ?? {});
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
                const path = posix.isAbsolute(c.file)
                    ? c.file
                    : posix.join(i.filesDir(roleName), posix.normalize(c.file));
                if (!path.startsWith(`${i.filesDir(roleName)}/`) && !posix.isAbsolute(c.file))
                    throw new ConfigError(`roles.${roleName}.compose`, `config ${cname} points outside the repo`, 'list it in files:');
                const fromFile = b.files.find((x) => posix.join(i.filesDir(roleName), x.path) === path);
                c.file = path;
                // Swarm configs cannot change in place: a new name whenever the content does.
                c.name ??= `${i.stack}_${cname}_${sha256(fromFile?.content ?? path).slice(7, 19)}`;
            }
            files.push({ name: `stack-${roleName}-${n}.yaml`, content: stringify(doc, { lineWidth: 0 }) });
        });
    }
    return { files, hash: sha256(files.map((f) => f.content).join('\0')), services: [...new Set(services)] };
}

;// CONCATENATED MODULE: ./src/swarm/operate.ts

















/**
 * The environment as the day-2 verbs see it on Swarm: one SSH connection to the manager (the
 * first host), its release log, and the active release's manifest and stack files.
 */
class SwarmEnvironment {
    e;
    manifest;
    services = new Map();
    constructor(inputs, ports) {
        this.e = new environment/* DeployedEnvironment */.I5(inputs, ports);
    }
    get h() {
        return this.e.s.primary;
    }
    get stack() {
        return `${this.e.s.app}-${this.e.s.inputs.environment}`;
    }
    async open() {
        const h = this.h;
        await this.e.s.resolveRoot(h);
        const state = (await h.host.exec(swarmState, { allowFailure: true })).stdout.trim();
        if (state !== 'active true')
            throw new errors/* UserError */.yo(`${h.key}`, `environment ${this.e.s.inputs.environment} has engine: swarm, but this host's Docker says "${state || 'no answer'}" (LocalNodeState ControlAvailable)`, 'list a manager of the swarm first under hosts: (docs/swarm.md)');
        this.e.records = await this.e.s.readReleases(h);
        const active = this.e.active;
        if (!active)
            return;
        const dir = external_node_path_.posix.join(h.root, 'releases', (0,release_log/* releaseFolder */.Uc)(active), 'stack');
        const raw = await h.host.readFile(external_node_path_.posix.join(dir, 'manifest.json'));
        if (!raw) {
            this.e.s.ports.logger.warn(`${h.key}: the active release ${active.id} has no stack folder under ${dir}`);
            return;
        }
        this.manifest = JSON.parse(raw.toString('utf8'));
        for (const f of this.manifest.files) {
            const role = /^stack-(.+)-[0-9]+\.yaml$/.exec(f)?.[1] ?? '';
            const text = (await h.host.readFile(external_node_path_.posix.join(dir, f)))?.toString('utf8');
            const doc = (text ? (0,dist/* parse */.qg)(text) : {});
            for (const [name, svc] of Object.entries(doc?.services ?? {}))
                this.services.set(`${this.stack}_${name}`, {
                    role,
                    image: typeof svc?.image === 'string' ? svc.image : this.services.get(`${this.stack}_${name}`)?.image,
                });
        }
    }
    /** The release's services of the roles picked by --role, as full Swarm names. */
    releaseServices(role) {
        const roles = new Set(this.e.roles(role).map(([n]) => n));
        return [...this.services.entries()].filter(([, s]) => roles.has(s.role)).map(([n]) => n);
    }
    /** --service (compose name, or the full Swarm name) → the full Swarm name; unknown names exit 2. */
    service(name, role) {
        const known = this.releaseServices(role);
        const full = name.startsWith(`${this.stack}_`) ? name : `${this.stack}_${name}`;
        if (known.includes(full))
            return full;
        throw new errors/* ConfigError */.xL('--service', `${JSON.stringify(name)} is not a service of the active release${role ? ` in role ${role}` : ''}`, `use one of: ${known.map((k) => k.slice(this.stack.length + 1)).join(', ') || 'none (nothing deployed)'}`);
    }
    /** The release's secrets masked by their hashes; a release deployed before they were kept: a warning. */
    registry(base) {
        if (this.manifest?.redact)
            return new HashedSecrets(this.manifest.redact, base);
        if (this.manifest?.secrets.length)
            this.e.s.ports.logger.warn(`release ${this.manifest.releaseId} was deployed without secret hashes: its secrets cannot be masked here (deploy again to get them)`);
        return base;
    }
    requireActive() {
        if (!this.e.active || !this.manifest)
            throw new errors/* UserError */.yo(`environment ${this.e.s.inputs.environment}`, `has no successful Swarm release on ${this.h.key}`, 'deploy first (ragship deploy)');
        return this.manifest;
    }
    close() {
        this.e.close();
    }
}
/**
 * `ragship status` on Swarm: per service of the stack, replicas running vs desired, the
 * spec's and the tasks' image digests vs the release log's, the update state (an update or a
 * rollback by Swarm), and the nodes; read on the manager only.
 */
async function runSwarmStatus(inputs, ports) {
    const env = new SwarmEnvironment(inputs, ports);
    try {
        env.e.roles(inputs.role);
        await env.open();
        const h = env.h;
        const active = env.e.active;
        const lock = await (0,operate_status/* lockStatus */.o)(env.e);
        const nodesRaw = (await h.host.exec(commands_nodeList, { allowFailure: true })).stdout;
        const nodes = nodesRaw
            .split('\n')
            .filter(Boolean)
            .map((l) => {
            const [node = '', status = '', availability = '', manager = ''] = l.split('\t');
            return { node, status, availability, manager };
        });
        const down = new Set(downNodesOf(nodesRaw));
        const replicas = replicasOf((await h.host.exec(commands_stackServices(env.stack), { allowFailure: true })).stdout);
        const running = [...replicas.keys()];
        const expected = active ? env.releaseServices(inputs.role) : [];
        const roleOf = (name) => env.services.get(name)?.role ?? '';
        // Services in the stack but not in the release still belong to the picked roles' stack.
        const names = [...new Set([...expected, ...running.filter((n) => !inputs.role || !env.services.has(n))])];
        const specs = names.length
            ? parseServiceInspect((await h.host.exec(serviceInspect(names), { allowFailure: true })).stdout)
            : new Map();
        const tasks = parseTasks((await h.host.exec(stackTasks(env.stack), { allowFailure: true })).stdout);
        const services = names.map((name) => {
            const r = replicas.get(name);
            const spec = specs.get(name);
            return judgeSwarmService(r && spec
                ? { ...spec, running: r.running, desired: r.desired, mode: r.mode || spec.mode }
                : undefined, {
                name,
                host: (0,environment/* shortHost */.bA)(h),
                role: roleOf(name),
                expected: expected.includes(name),
                expectedImage: env.services.get(name)?.image,
                releaseFolder: active && (0,release_log/* releaseFolder */.Uc)(active),
                tasks: tasks.filter((t) => taskService(t.name) === name),
                downNodes: down,
            });
        });
        const df = await h.host.exec((0,commands/* diskFree */.g0)(h.root), { allowFailure: true });
        const exitCode = (0,status_model/* statusExitCode */.mT)(services, !!active);
        const result = {
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
                    diskFreeBytes: (0,status_model/* parseDf */.MK)(df.stdout),
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
    }
    finally {
        env.close();
    }
}
function swarmStatusReport(r, services) {
    const verdict = r.exitCode === status_model/* STATUS_EXIT */.od.unhealthy ? '❌ unhealthy' : r.drifted ? '⚠️ drift' : '✅ healthy, as released';
    const short = (ref) => ref.replace(/@sha256:([a-f0-9]{12})[a-f0-9]+/, '@sha256:$1…');
    return new report/* Report */.p()
        .heading(`Status of ${r.app} ${r.environment} (Swarm stack ${r.swarm.stack}): ${verdict}`)
        .table(['', ''], [
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
    ])
        .heading('Services', 3)
        .table(['role', 'service', 'replicas', 'update', 'verdict'], services.map((s) => [
        s.role || '—',
        s.service,
        s.swarm.replicas,
        s.swarm.update,
        s.problem ? `❌ ${s.problem}` : s.drift ? `⚠️ drift: ${s.drift}` : '✅',
    ]))
        .heading('Tasks', 3)
        .table(['task', 'node', 'state', 'image', 'error'], services.flatMap((s) => s.swarm.tasks.map((t) => [t.name, t.node || '—', t.current, short(t.image), t.error || ''])))
        .heading('Nodes', 3)
        .table(['node', 'status', 'availability', 'manager'], r.swarm.nodes.map((n) => [n.node, n.status, n.availability, n.manager || 'worker']));
}
/**
 * `ragship logs` on Swarm: `docker service logs` of the selected services (every task on
 * every node, through the manager), one stream per service, each line prefixed by the node and
 * the task, secrets masked, --grep on the masked line. --host picks a node by its hostname.
 */
async function runSwarmLogs(inputs, ports) {
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
        const registry = env.registry(ports.secrets ?? redact/* secrets */.O);
        const services = inputs.service
            ? [env.service(inputs.service, inputs.role)]
            : env.releaseServices(inputs.role);
        const h = env.h;
        ports.signal?.addEventListener('abort', onAbort, { once: true });
        if (ports.signal?.aborted)
            onAbort();
        const tail = inputs.tail ?? (inputs.since ? undefined : DEFAULT_TAIL);
        let lines = 0;
        const failed = [];
        await Promise.all(services.map(async (svc) => {
            const role = env.services.get(svc)?.role ?? '';
            const emit = (stream) => new lines_LineRedactor(registry, (raw) => {
                const l = parseLogLine(raw);
                if (!l)
                    return;
                if (inputs.host && l.node !== inputs.host)
                    return;
                if (inputs.grep && !inputs.grep.test(l.line))
                    return;
                lines++;
                ports.onLine({ host: l.node, role, source: l.task, stream, line: l.line });
            });
            const out = emit('stdout');
            const err = emit('stderr');
            try {
                if (aborted)
                    return;
                const run = await h.host.execStream(serviceLogsOf(svc, { since: inputs.since, tail, follow: inputs.follow }), { where: `${h.key} service logs ${svc}`, onStderr: (c) => err.push(c) });
                run.stdout.setEncoding('utf8');
                run.stdout.on('data', (c) => out.push(c));
                const ended = new Promise((resolve) => run.stdout.once('close', resolve));
                const error = await run.done.then(() => undefined, (x) => x);
                await ended;
                if (error && !aborted)
                    throw error;
            }
            catch (x) {
                if (!aborted) {
                    failed.push(`${svc}: ${(0,errors/* errorMessage */.gJ)(x)}`);
                    ports.logger.warn(`logs of ${svc} ended: ${(0,errors/* errorMessage */.gJ)(x)}`);
                }
            }
            finally {
                out.flush();
                err.flush();
            }
        }));
        if (!aborted && services.length && failed.length === services.length)
            throw new errors/* UserError */.yo('logs', `every log stream failed:\n${failed.join('\n')}`, 'check `ragship status`');
        return { containers: services.length, lines, failed, connectionsPerHost: env.e.s.connectionsPerHost() };
    }
    finally {
        ports.signal?.removeEventListener('abort', onAbort);
        env.close();
    }
}
function specForExec(json) {
    try {
        const spec = JSON.parse(json)[0]?.Spec;
        if (!spec)
            return undefined;
        const cs = spec.TaskTemplate?.ContainerSpec ?? {};
        return {
            image: String(cs.Image ?? ''),
            env: Array.isArray(cs.Env) ? cs.Env.map(String) : [],
            secrets: (cs.Secrets ?? []).map((s) => ({
                source: s.SecretName,
                target: s.File?.Name ?? s.SecretName,
            })),
            networks: (spec.TaskTemplate?.Networks ?? []).map((n) => n.Target),
        };
    }
    catch {
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
async function runSwarmExec(inputs, ports) {
    const env = new SwarmEnvironment(inputs, ports);
    const t0 = performance.now();
    try {
        const [roleName, role] = env.e.oneRole(inputs.role);
        if (inputs.host)
            throw new errors/* ConfigError */.xL('--host', 'has no meaning on engine: swarm (Swarm picks the node of a one-off job)', 'drop --host');
        await env.open();
        const manifest = env.requireActive();
        const service = env.service(inputs.service ?? role.service, roleName);
        const registry = env.registry(ports.secrets ?? redact/* secrets */.O);
        const out = new lines_LineRedactor(registry, ports.stdout);
        const err = new lines_LineRedactor(registry, ports.stderr);
        const h = env.h;
        const active = env.e.active;
        const result = (exitCode, mode) => ({
            exitCode,
            host: (0,environment/* shortHost */.bA)(h),
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
                throw new errors/* UserError */.yo(`${h.key} ${service}`, 'has no task running on the manager (ragship reaches no other node)', 'drop --in-running to run a one-off job with the same image, env and secrets');
            const r = await h.host.exec(['docker', 'exec', id, '/bin/sh', '-c', SECRETS_TO_ENV, 'ragship', ...inputs.command], {
                allowFailure: true,
                where: `${h.key} exec ${service}`,
                onStdout: (c) => out.push(c),
                onStderr: (c) => err.push(c),
            });
            out.flush();
            err.flush();
            return result(r.code, 'in-running');
        }
        const spec = specForExec((await h.host.exec(serviceInspect([service]), { allowFailure: true })).stdout);
        if (!spec)
            throw new errors/* UserError */.yo(`${h.key} ${service}`, 'is not in the stack on the manager', 'check `ragship status`; deploy again if it was removed');
        const name = jobName(env.stack, 'exec', `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
        const r = await runJob(h.host, jobCreate({
            name,
            mode: 'replicated-job',
            stack: env.stack,
            image: spec.image,
            script: SECRETS_TO_ENV,
            args: ['ragship', ...inputs.command],
            networks: spec.networks,
            secrets: spec.secrets,
            env: Object.fromEntries(spec.env.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')])),
        }), name, { timeoutSeconds: 3600, where: `${h.key} exec job ${service}` });
        for (const l of r.stdout)
            out.push(`${l.line}\n`);
        for (const l of r.stderr)
            err.push(`${l.line}\n`);
        out.flush();
        err.flush();
        const task = r.tasks[0];
        if (r.timedOut)
            ports.logger.warn(`${h.key}: the one-off job did not end within 3600 s and was removed`);
        else if (task && exitCodeOf(task) === null)
            ports.logger.warn(`${h.key}: the one-off job ended "${task.current}"${task.error ? ` (${task.error})` : ''}`);
        return result(task && !r.timedOut ? exitCodeOf(task) : null, 'one-off');
    }
    finally {
        env.close();
    }
}


/***/ })

};
