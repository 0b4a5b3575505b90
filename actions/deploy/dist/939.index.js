import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 939;
export const ids = [939];
export const modules = {

/***/ 4939:
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
// EXTERNAL MODULE: ./src/deploy/apply.ts + 5 modules
var apply = __webpack_require__(9030);
// EXTERNAL MODULE: ./src/deploy/commands.ts
var deploy_commands = __webpack_require__(9353);
// EXTERNAL MODULE: ./src/deploy/env-file.ts
var env_file = __webpack_require__(5535);
// EXTERNAL MODULE: ./src/deploy/release-log.ts
var release_log = __webpack_require__(681);
// EXTERNAL MODULE: ./src/deploy/render.ts
var render = __webpack_require__(7015);
// EXTERNAL MODULE: ./src/deploy/session.ts + 4 modules
var session = __webpack_require__(7566);
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
async function recordOnManager(s, h, rec) {
    await h.host
        .exec((0,deploy_commands/* appendStdin */.d0)(external_node_path_.posix.join(h.root, 'releases.jsonl')), { input: `${JSON.stringify(rec)}\n` })
        .catch((e) => s.ports.logger.warn(`the release log could not be written on ${h.key}: ${(0,core_errors/* errorMessage */.gJ)(e)}`));
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
        rec = {
            id: releaseId,
            kind: 'deploy',
            app: s.app,
            environment: inputs.environment,
            gitSha: inputs.gitSha,
            image,
            images: Object.fromEntries(s.roles.filter(([, r]) => r.appImage).map(([n]) => [n, image])),
            composeHash: [...bundles.values()].map((b) => b.composeHash).join(','),
            envHash: (0,env_file/* sha256 */.sc)((0,env_file/* envOverlay */.kN)(['app'], inputs.env)),
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
            await recordOnManager(s, h, rec);
            pruned = await pruneSwarm(s, h, stack, [...before, rec], inputs.config.retain);
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
            await recordOnManager(s, manager, rec);
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
 * Release folders, secrets and manager images beyond retention. Never a retained release's
 * image: workers' images are not touched at all (ragship reaches only the manager), so no node
 * can lose an image a rollback needs; on the manager `docker image rm` also refuses images in use.
 */
async function pruneSwarm(s, h, stack, records, retain) {
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
        await recordOnManager(s, m, rec);
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
