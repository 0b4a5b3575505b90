import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 603;
export const ids = [603];
export const modules = {

/***/ 9603:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  listReleases: () => (/* binding */ listReleases),
  runRollback: () => (/* binding */ runRollback),
  validateTo: () => (/* binding */ validateTo)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/core/errors.ts
var core_errors = __webpack_require__(4296);
;// CONCATENATED MODULE: ./src/core/report.ts
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

// EXTERNAL MODULE: ./src/core/validate.ts
var validate = __webpack_require__(993);
// EXTERNAL MODULE: ./src/deploy/commands.ts
var commands = __webpack_require__(9353);
// EXTERNAL MODULE: ./src/deploy/lock.ts
var deploy_lock = __webpack_require__(4332);
;// CONCATENATED MODULE: ./src/deploy/release-log.ts

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
function release_log_releaseFolder(r) {
    return r.kind === 'rollback' && r.source ? r.source : r.id;
}
/** The release serving now: the last successful one. */
function activeRelease(records) {
    return records.filter((r) => r.result === 'success').at(-1);
}
/**
 * `previous` = the last successful release before the active one whose content differs
 * (after a rollback to A, previous goes to the release the rollback left).
 */
function resolveTarget(records, to) {
    const ok = records.filter((r) => r.result === 'success');
    const active = ok.at(-1);
    const listing = () => ok
        .slice(-10)
        .reverse()
        .map((r) => `${r.id} (${r.image})`)
        .join(', ') || 'none';
    if (!active)
        throw new core_errors.UserError('to', 'there is no successful release on this environment', 'deploy first');
    if (to === 'previous') {
        const candidates = ok.slice(0, -1).reverse();
        const target = candidates.find((r) => r.image !== active.image || r.envHash !== active.envHash || r.composeHash !== active.composeHash);
        if (!target)
            throw new core_errors.UserError('to', `no earlier successful release than the active ${active.id}`, `releases that can be used: ${listing()}`);
        return target;
    }
    const byId = records.find((r) => r.id === to);
    if (byId) {
        if (byId.result !== 'success')
            throw new core_errors.ConfigError('to', `release ${to} failed (${byId.error ?? 'no detail'}) and cannot be rolled back to`, `use one of: ${listing()}`);
        return byId;
    }
    const byImage = ok
        .filter((r) => r.image === to || r.image.endsWith(`@${to}`) || r.image.split('@')[0]?.endsWith(`:${to}`))
        .at(-1);
    if (byImage)
        return byImage;
    throw new core_errors.ConfigError('to', `${JSON.stringify(to)} is not a release id, tag or digest recorded on this environment`, `use previous or one of: ${listing()}`);
}
/** Digests of images the last `retain` successful releases use (never pruned). */
function release_log_retainedImages(records, retain) {
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

;// CONCATENATED MODULE: ./src/deploy/static.ts

const static_staticSource = (releaseRoleDir) => external_node_path_.posix.join(releaseRoleDir, 'static');
/** The plan for release folder `folder` (and `previousFolder`, serving now) of a role on a host. */
function staticPlan(s, h, roleName, st, image, folder, previousFolder) {
    const published = external_node_path_.posix.join(s.projectDir(h, roleName), st.dir);
    const at = (id) => ({
        from: st.from,
        source: static_staticSource(s.releaseDir(h, id, roleName)),
        published,
    });
    return { image, release: at(folder), previous: previousFolder ? at(previousFolder) : undefined };
}
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
function static_pruneFiles(published, keep) {
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
/**
 * Extracts the image's folder into the release folder, unless a complete copy is there (a
 * rollback re-uses the one its deploy extracted; a pruned image was pulled back before).
 */
async function extractStatic(host, image, s) {
    if ((await host.exec(['test', '-d', s.source], { allowFailure: true })).code === 0)
        return false;
    const partial = `${s.source}.partial`;
    await host.exec(['rm', '-rf', '--', partial]);
    await host.exec(['mkdir', '-p', partial, s.published]);
    const id = (await host.exec(createForCopy(image), { where: `${host.label} static files of ${image}` })).stdout.trim();
    try {
        await host.exec(copyOut(id, s.from, partial), { where: `${host.label} copy ${s.from} out of the image` });
    }
    finally {
        await host.exec(['docker', 'rm', '--force', id], { allowFailure: true });
    }
    await host.exec(['chmod', '-R', 'a+rX', partial]);
    await host.exec(['mv', '-T', partial, s.source]);
    return true;
}
async function publishStatic(host, s, phase) {
    await host.exec(publishFiles(s.source, s.published, phase), {
        where: `${host.label} publish ${phase === 'assets' ? 'static assets' : 'pages'}`,
    });
}

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
                throw new core_errors.UserError(`${host.label} health gate`, `${what}: container ${c.name} ${c.status} before turning healthy`, 'see the container logs below');
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
            throw new core_errors.UserError(`${host.label} health gate`, `${what} did not turn healthy within ${h.timeout} s (last: ${last || 'no answer'})`, 'see the container logs below; raise health.timeout if the service needs longer to start');
        }
        await new Promise((r) => setTimeout(r, h.interval * 1000));
    }
}

;// CONCATENATED MODULE: ./src/deploy/switch.ts





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
    const old = await ids(host, target.project, role.service);
    const before = await ids(host, target.project, role.service, true);
    // New = every container (running or not) that was not there before: a start that fails
    // (port already allocated) or a container that exits at once is still ours to remove.
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
    if (fresh.length === 0)
        throw new core_errors.UserError(`${host.label} switch`, `compose started no new ${role.service} container`, 'check `docker-compose ps` on the host');
    const upstreamPath = external_node_path_.posix.join(target.projectDir, proxy.file);
    let switched = false;
    let pagesSwitched = false;
    try {
        const healthyMs = await waitHealthy(host, fresh, role.health, logger, `new ${role.service}`);
        const fresh_ = await inspect(host, fresh);
        const oldInfo = await inspect(host, old);
        // New hashed assets beside the old ones: the old page keeps loading its own while it drains.
        if (ctx.static)
            await publishStatic(host, ctx.static.release, 'assets');
        await host.exec(['mkdir', '-p', external_node_path_.posix.dirname(upstreamPath)]);
        await host.upload(upstreamPath, upstreamBlock(proxy.upstream, fresh_, proxy.port), 0o644);
        switched = true;
        await host.exec((0,commands/* upServices */.KY)(target, [proxy.service]), { where: `${host.label} start ${proxy.service}` });
        const [proxyId] = await ids(host, target.project, proxy.service);
        if (!proxyId)
            throw new core_errors.UserError(`${host.label} switch`, `${proxy.service} is not running`, 'check its logs on the host');
        await host.exec((0,commands/* proxyTest */.vu)(proxyId), { where: `${host.label} nginx -t` });
        await host.exec((0,commands/* proxyReload */.M4)(proxyId), { where: `${host.label} nginx reload` });
        logger.info(`${host.label}: ${proxy.service} now sends ${proxy.upstream} to ${fresh_.map((c) => c.name).join(', ')}`);
        if (ctx.static) {
            // The pages switch with the app: from now on `/` is the new release's page.
            pagesSwitched = true;
            await publishStatic(host, ctx.static.release, 'pages');
        }
        await new Promise((r) => setTimeout(r, proxy.drain * 1000));
        if (old.length) {
            await host.exec((0,commands/* stopContainers */.F_)(old, role.stopGrace), {
                where: `${host.label} stop old ${role.service}`,
            });
            await host.exec((0,commands/* removeContainers */.Dn)(old), { where: `${host.label} remove old ${role.service}` });
            logger.info(`${host.label}: stopped ${oldInfo.map((c) => c.name).join(', ')}`);
        }
        return { timeToHealthyMs: healthyMs, started: fresh, stopped: old };
    }
    catch (err) {
        logger.error(`${host.label}: switch failed (${(0,core_errors.errorMessage)(err)}); keeping the old ${role.service} serving`);
        await printLogs(ctx, fresh).catch(() => undefined);
        await restoreUpstream(ctx, old, upstreamPath, switched).catch((e) => logger.error(`${host.label}: restoring the old upstream failed: ${(0,core_errors.errorMessage)(e)}`));
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
    await publishStatic(ctx.host, previous, 'pages').catch((e) => ctx.logger.error(`${ctx.host.label}: restoring the previous pages failed: ${(0,core_errors.errorMessage)(e)}`));
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
        const r = await host.exec((0,commands/* runOnce */.Jh)(target, p.service, p.command, p.entrypoint), {
            allowFailure: true,
            timeoutMs: p.timeout * 1000,
            where: `${host.label} prefetch`,
        });
        if (r.code !== 0)
            throw new core_errors.UserError(`${host.label} prefetch`, `the prefetch run of ${p.service} exited with status ${r.code}; the old ${role.service} keeps serving:\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-20).join('\n')}`, 'fix the prefetch command (model name, HF_TOKEN, disk) and deploy again');
        logger.info(`${host.label}: prefetch done (${p.service})`);
    }
    const old = await ids(host, target.project, role.service);
    let fresh = [];
    let pagesSwitched = false;
    try {
        // Inside the try: a recreate that fails half-way (old stopped, new not started) restores too.
        await host.exec((0,commands/* recreate */.UD)(target, role.service), { where: `${host.label} recreate ${role.service}` });
        fresh = await ids(host, target.project, role.service);
        const healthyMs = await waitHealthy(host, fresh, role.health, logger, `new ${role.service}`);
        if (ctx.static) {
            await publishStatic(host, ctx.static.release, 'assets');
            pagesSwitched = true;
            await publishStatic(host, ctx.static.release, 'pages');
        }
        return { timeToHealthyMs: healthyMs, started: fresh, stopped: old };
    }
    catch (err) {
        await printLogs(ctx, fresh).catch(() => undefined);
        if (pagesSwitched)
            await restorePages(ctx);
        if (ctx.previous) {
            logger.warn(`${host.label}: recreating the previous release of ${role.service}`);
            await host
                .exec((0,commands/* recreate */.UD)(ctx.previous, role.service))
                .catch((e) => logger.error(`restore failed: ${(0,core_errors.errorMessage)(e)}`));
            const back = await ids(host, target.project, role.service).catch(() => []);
            await waitHealthy(host, back, role.health, logger, `previous ${role.service}`).catch((e) => logger.error(`the previous release is not healthy either: ${(0,core_errors.errorMessage)(e)}`));
        }
        throw err;
    }
}

;// CONCATENATED MODULE: ./src/deploy/apply.ts








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
/** pull → migrate → switch with health gate, for every role; shared by deploy and rollback. */
async function applyRelease(s, plan, timings, result) {
    const pulls = s.roles.flatMap(([roleName]) => plan.pullServices(roleName).length ? s.roleHosts(roleName).map((h) => ({ roleName, h })) : []);
    const pullTimeout = plan.pullTimeoutSeconds ?? 1800;
    await step(s, timings, 'pull', `${pulls.length} host(s)`, () => parallel(pulls, 4, async ({ roleName, h }) => {
        const r = await h.host.exec((0,commands/* withTimeout */.wj)(pullTimeout, (0,commands/* pull */.a$)(plan.targets(roleName, h), plan.pullServices(roleName))), {
            allowFailure: true,
            timeoutMs: (pullTimeout + 30) * 1000,
            where: `${h.key} pull`,
        });
        if (r.code === 0)
            return;
        const timedOut = r.code === 124 || r.code === 137;
        throw new core_errors.UserError(`${h.key} pull`, timedOut
            ? `the image pull did not finish within ${pullTimeout} s and was stopped; nothing was switched, the old release keeps serving`
            : `the image pull failed (status ${r.code}); nothing was switched, the old release keeps serving:\n${(0,core_errors.tail)(`${r.stdout}${r.stderr}`, 20)}`, timedOut
            ? 'check that the host reaches the registry (firewall, DNS, tunnel), or raise the pull timeout for large images'
            : 'check the registry address, credentials and that the image was pushed');
    }));
    const statics = s.roles.flatMap(([roleName]) => s.roleHosts(roleName).flatMap((h) => {
        const st = plan.statics?.(roleName, h);
        return st ? [{ h, st }] : [];
    }));
    if (statics.length)
        await step(s, timings, 'static files', `${statics.length} host(s)`, () => parallel(statics, 4, async ({ h, st }) => {
            if (await extractStatic(h.host, st.image, st.release))
                s.ports.logger.info(`${h.key}: extracted ${st.release.from} of ${st.image}`);
        }));
    if (plan.runMigrations) {
        for (const [roleName, role] of s.roles) {
            if (!role.migrate)
                continue;
            const h = s.roleHosts(roleName)[0];
            await plan.guard?.();
            await step(s, timings, 'migrate', h.key, async () => {
                const m = role.migrate;
                const target = plan.targets(roleName, h);
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
                    throw new core_errors.UserError(`${h.key} migrate`, `the connection was lost during the migration (${(0,core_errors.errorMessage)(err).split('\n')[0]}); ${fate.summary}; nothing was switched, the old release keeps serving`, 'deploy again once the host is reachable (the migration runs again: keep migrations idempotent)');
                }
                const output = (0,core_errors.tail)(`${r.stdout}${r.stderr}`, 40);
                s.ports.logger.info(output);
                if (r.code !== 0) {
                    result.output = output;
                    const timedOut = r.code === 124 || r.code === 137;
                    if (timedOut)
                        await settleMigration(s, h, target.project, m.service, 0);
                    throw new core_errors.UserError(`${h.key} migrate`, timedOut
                        ? `the migration did not finish within ${m.timeout} s and was stopped; nothing was switched, the old release keeps serving:\n${output}`
                        : `the migration exited with status ${r.code}; nothing was switched, the old release keeps serving:\n${output}`, timedOut
                        ? 'make the migration faster or raise migrate.timeout'
                        : 'fix the migration and deploy again');
                }
            });
        }
    }
    for (const [roleName, role] of s.roles) {
        const hosts = s.roleHosts(roleName);
        // The first host is a barrier: the rest only roll once it is healthy.
        const batches = [hosts.slice(0, 1), hosts.slice(1)].filter((b) => b.length);
        for (const batch of batches) {
            await plan.guard?.();
            await Promise.all(batch.map((h) => step(s, timings, `switch ${roleName} (${role.strategy})`, h.key, async () => {
                const ctx = {
                    host: h.host,
                    role,
                    roleName,
                    target: plan.targets(roleName, h),
                    previous: await plan.previous(roleName, h),
                    supportServices: plan.supportServices(roleName),
                    static: plan.statics?.(roleName, h),
                    logger: s.ports.logger,
                };
                const r = role.strategy === 'recreate' ? await recreateSwitch(ctx) : await zeroDowntimeSwitch(ctx);
                result.timeToHealthyMs = Math.max(result.timeToHealthyMs, r.timeToHealthyMs);
            })));
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
        const output = (0,core_errors.tail)(`${logs.stdout}${logs.stderr}`, 40);
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
        return { summary: `the host could not be asked what became of the migration (${(0,core_errors.errorMessage)(err)})` };
    }
}
/** Appends the record to the release log of every host (each host can answer `releases`). */
async function record(s, rec) {
    const line = `${JSON.stringify(rec)}\n`;
    const errors = [];
    for (const h of s.hosts.values()) {
        await h.host
            .exec((0,commands/* appendStdin */.d0)(external_node_path_.posix.join(h.root, 'releases.jsonl')), { input: line, where: `${h.key} release log` })
            .catch((e) => errors.push((0,core_errors.errorMessage)(e)));
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
            await h.host.exec(removeTree(...dropIds.map((id) => posix.join(h.root, 'releases', id))), {
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
        for (const repo of repos) {
            const list = await h.host.exec(listImages(repo), { allowFailure: true });
            for (const line of list.stdout.split('\n')) {
                const ref = line.split('\t')[0]?.trim();
                if (!ref || ref.endsWith('@<none>') || keep.has(ref) || !deployedHere.has(ref))
                    continue;
                // `docker image rm` refuses images a container uses: that is the last safety net.
                const r = await h.host.exec(removeImage(ref), { allowFailure: true });
                if (r.code === 0)
                    removed.push(`${h.key} ${ref}`);
            }
        }
    }
    return removed;
}
function releasesTable(records, limit = 10) {
    const active = records.filter((r) => r.result === 'success').at(-1)?.id;
    return new Report().table(['', 'release', 'kind', 'git sha', 'image', 'when', 'who', 'result'], records
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
        r.result,
    ]));
}
/**
 * Takes the app+environment lock on the primary host (owner = this run) and reports it at
 * once, so an action's post step can release it if the run is cancelled.
 */
async function lockEnvironment(s, timings, run, onLocked) {
    const p = s.primary;
    const dir = external_node_path_.posix.join(p.root, 'lock');
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

// EXTERNAL MODULE: ./src/config/load.ts + 2 modules
var load = __webpack_require__(7101);
// EXTERNAL MODULE: ./src/core/remote-host.ts + 2 modules
var remote_host = __webpack_require__(9010);
;// CONCATENATED MODULE: ./src/preflight/host-check.ts

/** Detects compose v2 (`docker compose`) first, then v1 (`docker-compose`). */
async function detectCompose(host) {
    const v2 = await host.exec(['docker', 'compose', 'version', '--short'], { allowFailure: true });
    if (v2.code === 0 && v2.stdout.trim())
        return { compose: ['docker', 'compose'], version: v2.stdout.trim() };
    const v1 = await host.exec(['docker-compose', 'version', '--short'], { allowFailure: true });
    if (v1.code === 0 && v1.stdout.trim())
        return { compose: ['docker-compose'], version: v1.stdout.trim() };
    throw new core_errors.UserError(host.label, 'neither `docker compose` (v2) nor `docker-compose` (v1) works', 'install the docker compose plugin (ragship provision does it)');
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
        throw new core_errors.UserError(host.label, `docker does not answer for this user: ${docker.stderr.trim().split('\n').pop()}`, 'install Docker and add the deploy user to the docker group');
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
        throw new core_errors.UserError(`${host.label} GPU preflight`, verdict.problem, verdict.fix);
    const runtimes = await host.exec(commands/* dockerRuntimes */.wh, { allowFailure: true });
    if (!hasNvidiaRuntime(runtimes.stdout)) {
        throw new core_errors.UserError(`${host.label} GPU preflight`, 'Docker has no nvidia runtime: the NVIDIA Container Toolkit is not configured', 'install nvidia-container-toolkit and run `nvidia-ctk runtime configure --runtime=docker`, then restart docker');
    }
    const vram = checkVram(verdict.gpus, need);
    if (!vram.ok)
        throw new core_errors.UserError(`${host.label} GPU preflight`, vram.message, 'stop the process holding GPU memory, or lower gpu.minFreeVramMiB / --gpu-memory-utilization');
    logger.info(`${host.label}: ${vram.message}`);
    return verdict.gpus;
}

;// CONCATENATED MODULE: ./src/deploy/session.ts









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
    project(roleName) {
        return `${this.app}-${this.inputs.environment}-${roleName}`;
    }
    releaseDir(h, releaseId, roleName) {
        return external_node_path_.posix.join(h.root, 'releases', releaseId, roleName);
    }
    projectDir(h, roleName) {
        return external_node_path_.posix.join(h.root, 'shared', roleName);
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
        const raw = await h.host.readFile(external_node_path_.posix.join(this.releaseDir(h, releaseId, roleName), 'manifest.json'));
        if (!raw)
            return undefined;
        const manifest = JSON.parse(raw.toString('utf8'));
        return { target: this.target(h, roleName, releaseId, manifest.composeFiles), manifest };
    }
    /** Preflight of every host in parallel: key, docker, compose, disk, curl, GPU, registry. */
    async preflight() {
        const results = await Promise.allSettled([...this.hosts.values()].map((h) => this.ports.logger.group(`preflight ${h.key}`, async () => {
            const roles = this.roles.filter(([n]) => this.roleHosts(n).includes(h)).map(([, r]) => r);
            const home = (await h.host.exec(commands/* homeDir */.lw)).stdout.trim();
            h.root = this.env.root ?? external_node_path_.posix.join(home, 'ragship', this.app, this.inputs.environment);
            await h.host.exec((0,commands/* mkdirs */.Nc)(h.root, external_node_path_.posix.join(h.root, 'releases'), external_node_path_.posix.join(h.root, 'shared')));
            const facts = await checkHost(h.host, this.ports.logger, h.root);
            h.compose = facts.compose;
            const floor = Math.max(...roles.map((r) => r.minFreeDiskGiB + (r.gpu?.minDiskGiB ?? 0)));
            if (facts.freeDiskBytes < floor * 2 ** 30) {
                throw new core_errors.UserError(`${h.key} preflight`, `only ${(facts.freeDiskBytes / 2 ** 30).toFixed(1)} GiB free under ${h.root}; the roles need ${floor} GiB`, 'free disk space (prune old images) or lower minFreeDiskGiB');
            }
            if ((await h.host.exec((0,commands/* commandExists */.Ys)('curl'), { allowFailure: true })).code !== 0) {
                throw new core_errors.UserError(`${h.key} preflight`, 'curl is missing (the health gate probes containers with it)', 'install curl on the host');
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
            throw new core_errors.UserError('preflight', `${failed.length} hosts failed:\n${failed.map((f) => (0,core_errors.errorMessage)(f.reason)).join('\n')}`, 'fix the hosts above; nothing was changed');
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
        const raw = await h.host.readFile(external_node_path_.posix.join(h.root, 'releases.jsonl'));
        return raw ? parseReleaseLog(raw.toString('utf8')) : [];
    }
    connectionsPerHost() {
        return Object.fromEntries([...this.hosts.values()].map((h) => [h.key, h.host.connectionsOpened]));
    }
    close() {
        for (const h of this.hosts.values())
            h.host.close();
    }
}

;// CONCATENATED MODULE: ./src/rollback/run.ts









function validateTo(to) {
    if (to === 'previous')
        return to;
    // A bad value is a usage error (ConfigError: the CLI exits 2), caught before any connection.
    for (const g of ['releaseId', 'tag', 'digest', 'imageRef'])
        if (validate/* grammars */.lN[g].pattern.test(to) && to.length <= validate/* grammars */.lN[g].max)
            return to;
    throw new core_errors.ConfigError('to', `${JSON.stringify(to.slice(0, 60))} is not previous, a release id, a tag or a digest`, 'use previous or a release id from `ragship releases`');
}
/** Re-applies a recorded release (compose files + env + image digest) through the deploy path. */
async function runRollback(inputs, ports) {
    const to = validateTo(inputs.to);
    const s = new EnvSession(inputs, ports);
    const logger = ports.logger;
    const t0 = performance.now();
    const timings = [];
    const result = { timeToHealthyMs: 0 };
    const releaseId = newReleaseId(new Date());
    let lock;
    let rec;
    try {
        await step(s, timings, 'preflight', `${s.hosts.size} host(s)`, () => s.preflight());
        lock = await lockEnvironment(s, timings, inputs, ports.onLocked);
        const records = await s.readReleases();
        const target = resolveTarget(records, to);
        // Rolling back to a rollback record re-applies the folder that record ran from.
        const folder = release_log_releaseFolder(target);
        const active = activeRelease(records);
        let schemaWarning;
        if (target.schemaVersion && active?.schemaVersion && target.schemaVersion < active.schemaVersion) {
            schemaWarning = `⚠️ ${target.id} expects schema ${target.schemaVersion}, the live schema is ${active.schemaVersion}: migrations are not run backwards`;
            if (inputs.blockOnOlderSchema)
                throw new core_errors.UserError('to', schemaWarning, 'set allow-older-schema: true if the old code reads the new schema');
            logger.warn(schemaWarning);
        }
        const manifests = new Map();
        await step(s, timings, 'check release + images', `${s.hosts.size} host(s)`, async () => {
            for (const [roleName] of s.roles) {
                for (const h of s.roleHosts(roleName)) {
                    const rel = await s.recordedRelease(h, roleName, folder);
                    if (!rel)
                        throw new core_errors.UserError('to', `release ${folder} has no release folder on ${h.key} (pruned beyond retention)`, `roll back to one of: ${await available(s, records)}`);
                    manifests.set(`${roleName} ${h.key}`, rel.manifest);
                    // Roles without the app image (vLLM) keep the image their recorded compose names.
                    const image = target.images[roleName];
                    if (!image)
                        continue;
                    if ((await h.host.exec((0,commands/* imageExists */.US)(image), { allowFailure: true })).code === 0)
                        continue;
                    logger.info(`${h.key}: ${image} was pruned here; pulling it by digest`);
                    const pulled = await h.host.exec((0,commands/* pullImage */.ZP)(image), { allowFailure: true });
                    if (pulled.code !== 0) {
                        throw new core_errors.UserError('to', `image ${image} of ${target.id} is neither on ${h.key} nor pullable from the registry: ${pulled.stderr.trim().split('\n').pop()}`, `nothing was switched; roll back to one of: ${await available(s, records, image)}`);
                    }
                }
            }
        });
        for (const [roleName, role] of s.roles) {
            const m = manifests.get(`${roleName} ${s.roleHosts(roleName)[0].key}`);
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
        await applyRelease(s, {
            releaseId: folder,
            targets: (roleName, h) => s.target(h, roleName, folder, manifests.get(`${roleName} ${h.key}`).composeFiles),
            previous: async (roleName, h) => active ? s.recordedTarget(h, roleName, release_log_releaseFolder(active)) : undefined,
            supportServices: (roleName) => manifests.get(`${roleName} ${s.roleHosts(roleName)[0].key}`).supportServices,
            pullServices: () => [],
            runMigrations: false,
            guard: () => lock.assertHeld(),
            // The target release's page, from its folder (or extracted again from its image).
            statics: (roleName, h) => {
                const st = manifests.get(`${roleName} ${h.key}`).static;
                const image = target.images[roleName];
                return st && image
                    ? staticPlan(s, h, roleName, st, image, folder, active && release_log_releaseFolder(active))
                    : undefined;
            },
        }, timings, result);
        rec.result = 'success';
        rec.finishedAt = new Date().toISOString();
        rec.timings = Object.fromEntries(timings.map((t) => [t.step, t.ms]));
        await record(s, rec);
        const all = [...records, rec];
        const report = new Report()
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
            .heading('Releases', 3)
            .text(releasesTable(all).toString());
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
        if (rec && rec.result !== 'success') {
            rec.error = (0,core_errors.errorMessage)(err).slice(0, 2000);
            rec.finishedAt = new Date().toISOString();
            await record(s, rec).catch(() => undefined);
        }
        throw err;
    }
    finally {
        await lock?.release().catch((e) => logger.warn(`could not release the deploy lock: ${(0,core_errors.errorMessage)(e)}`));
        s.close();
    }
}
/** Successful releases whose folders are still on the hosts (minus those using `missingImage`). */
async function available(s, records, missingImage) {
    const out = [];
    for (const r of records.filter((x) => x.result === 'success').reverse()) {
        if (missingImage && Object.values(r.images).includes(missingImage))
            continue;
        const present = await Promise.all(s.roles.map(([n]) => s.recordedTarget(s.roleHosts(n)[0], n, release_log_releaseFolder(r))));
        if (present.every(Boolean))
            out.push(`${r.id} (${r.image})`);
    }
    return out.join(', ') || 'none';
}
/** `ragship releases`: the release log of the primary host. */
async function listReleases(inputs, ports) {
    const s = new EnvSession(inputs, ports);
    try {
        const p = s.primary;
        const home = (await p.host.exec(['sh', '-c', 'printf %s "$HOME"'])).stdout.trim();
        p.root = s.env.root ?? external_node_path_.posix.join(home, 'ragship', s.app, inputs.environment);
        const records = await s.readReleases();
        return {
            records,
            report: new Report()
                .heading(`Releases of ${s.app} ${inputs.environment}`)
                .text(releasesTable(records, 20).toString()),
        };
    }
    finally {
        s.close();
    }
}


/***/ })

};
