import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 494;
export const ids = [494];
export const modules = {

/***/ 6253:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C: () => (/* binding */ listBackups),
/* harmony export */   resolveBackupId: () => (/* binding */ resolveBackupId)
/* harmony export */ });
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6345);

async function listBackups(store, options = {}) {
    const objects = await store.list('backups');
    const byId = new Map();
    for (const o of objects) {
        const rest = o.key.slice(store.key('backups').length + 1);
        const [id, file] = rest.split('/');
        if (!id || !file || !_manifest_js__WEBPACK_IMPORTED_MODULE_0__/* .BACKUP_ID */ .Hr.test(id))
            continue;
        const e = byId.get(id) ?? { files: new Set(), bytes: 0 };
        e.files.add(file);
        e.bytes += o.bytes;
        byId.set(id, e);
    }
    const out = [];
    for (const [id, e] of byId) {
        const entry = {
            id,
            time: (0,_manifest_js__WEBPACK_IMPORTED_MODULE_0__/* .backupTime */ .a3)(id),
            committed: e.files.has('manifest.json'),
            verified: e.files.has('verified.json'),
            bytes: e.bytes,
        };
        if (entry.verified) {
            const v = await store.getJson(store.key(_manifest_js__WEBPACK_IMPORTED_MODULE_0__/* .keys */ .HP.verified(id)));
            entry.verifiedAt = v ? new Date(v.verifiedAt) : undefined;
        }
        if (options.withManifests && entry.committed) {
            const m = await store.getJson(store.key(_manifest_js__WEBPACK_IMPORTED_MODULE_0__/* .keys */ .HP.manifest(id)));
            if (m)
                entry.manifest = (0,_manifest_js__WEBPACK_IMPORTED_MODULE_0__/* .parseManifest */ .Ng)(m, `backup ${id}`);
        }
        out.push(entry);
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : -1)); // newest first
}
async function resolveBackupId(store, idOrLatest) {
    if (idOrLatest !== 'latest' && idOrLatest !== 'latest-verified') {
        if (!_manifest_js__WEBPACK_IMPORTED_MODULE_0__/* .BACKUP_ID */ .Hr.test(idOrLatest))
            throw new (await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 4296))).ConfigError('backup-id', `${JSON.stringify(idOrLatest)} is not a backup id`, 'use an id from `ragship backups`, or latest');
        return idOrLatest;
    }
    const all = await listBackups(store);
    const pick = all.find((b) => b.committed && (idOrLatest === 'latest' || b.verified));
    if (!pick)
        throw new (await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 4296))).UserError(`s3://${store.options.bucket}/${store.options.prefix}`, `has no ${idOrLatest === 'latest' ? 'committed' : 'verified'} backup`, 'run a backup first');
    return pick.id;
}


/***/ }),

/***/ 4494:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runBackupJob: () => (/* binding */ runBackupJob),
  runDrill: () => (/* binding */ runDrill),
  runStaleness: () => (/* binding */ runStaleness)
});

// UNUSED EXPORTS: listJob, runRestoreJob

// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/logger.ts
var core_logger = __webpack_require__(1227);
// EXTERNAL MODULE: ./src/core/redact.ts
var redact = __webpack_require__(2258);
;// CONCATENATED MODULE: ./src/core/notify.ts

function webhookFormat(url, explicit) {
    if (explicit === 'slack' || explicit === 'discord' || explicit === 'json')
        return explicit;
    if (/discord(app)?\.com\/api\/webhooks/.test(url))
        return 'discord';
    return 'slack';
}
/** Slack (`text`) / Discord (`content`) / plain JSON payloads; secrets masked. */
function alertPayload(format, title, text, link) {
    const body = redact/* secrets */.O.redact(`${title}\n${text}${link ? `\n${link}` : ''}`).slice(0, 1900);
    if (format === 'discord')
        return { content: body, allowed_mentions: { parse: [] } };
    if (format === 'json')
        return { title: redact/* secrets */.O.redact(title), text: redact/* secrets */.O.redact(text), link };
    return { text: body };
}
/** Sends an alert; a failing webhook is logged, never thrown (the original failure matters more). */
async function sendAlert(url, format, title, text, logger, link) {
    if (!url)
        return false;
    try {
        const r = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(alertPayload(format, title, text, link)),
            signal: AbortSignal.timeout(10_000),
        });
        if (!r.ok)
            throw new Error(`HTTP ${r.status}`);
        logger.info('alert sent');
        return true;
    }
    catch (err) {
        logger.warn(`could not send the alert webhook: ${err.message}`);
        return false;
    }
}

;// CONCATENATED MODULE: ./src/core/report.ts
/**
 * A small Markdown builder for job summaries and PR comments. The core produces
 * Markdown; the Actions adapter writes it to GITHUB_STEP_SUMMARY, the CLI prints it.
 */
class report_Report {
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

// EXTERNAL MODULE: ./src/backup/catalog.ts
var catalog = __webpack_require__(6253);
;// CONCATENATED MODULE: ./src/backup/alerts.ts



/**
 * The dead-man switch: fails when the newest verified backup was TAKEN more than `maxAgeHours`
 * ago. Age counts from the backup's creation (its id), never from its verification: a weekly
 * drill that re-verifies a 10-day-old backup must not make it look fresh.
 */
async function checkStaleness(store, maxAgeHours, now = new Date()) {
    const newest = (await (0,catalog/* listBackups */.C)(store)).find((b) => b.committed && b.verified);
    if (!newest)
        return { stale: true };
    const at = newest.time;
    const ageHours = (now.getTime() - at.getTime()) / 3_600_000;
    return { newestVerified: newest.id, ageHours, stale: ageHours > maxAgeHours };
}
function stalenessError(r, maxAgeHours, where) {
    return new errors.UserError(where, r.newestVerified
        ? `the newest verified backup (${r.newestVerified}) is ${r.ageHours.toFixed(1)} h old, more than ${maxAgeHours} h`
        : 'has no verified backup at all', 'check that the scheduled backup workflow runs (GitHub delays, drops and disables cron runs) and passes');
}

// EXTERNAL MODULE: ./src/backup/backup.ts + 9 modules
var backup_backup = __webpack_require__(4014);
// EXTERNAL MODULE: ./src/backup/metrics.ts
var backup_metrics = __webpack_require__(1483);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: ./src/backup/chroma-api.ts
var chroma_api = __webpack_require__(8927);
// EXTERNAL MODULE: ./src/backup/logical.ts
var logical = __webpack_require__(4553);
// EXTERNAL MODULE: ./src/backup/physical.ts + 1 modules
var physical = __webpack_require__(3003);
// EXTERNAL MODULE: ./src/backup/store.ts
var backup_store = __webpack_require__(8291);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:readline"
var external_node_readline_ = __webpack_require__(481);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: ./src/core/progress.ts
var core_progress = __webpack_require__(4664);
// EXTERNAL MODULE: ./src/backup/age-stream.ts
var age_stream = __webpack_require__(9438);
// EXTERNAL MODULE: ./src/backup/compress.ts
var compress = __webpack_require__(4920);
// EXTERNAL MODULE: ./src/backup/crypto-stream.ts
var crypto_stream = __webpack_require__(674);
// EXTERNAL MODULE: external "node:module"
var external_node_module_ = __webpack_require__(8995);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/backup/local-chroma.ts








/**
 * A Chroma server on the runner, on a given persist dir: the restore drill boots one on the
 * restored data. The default command is the `chroma` CLI of the installed `chromadb` package.
 */
function defaultChromaCommand() {
    // The chromadb package does not export its package.json: find its CLI from the main entry.
    try {
        let dir = (0,external_node_path_.dirname)((0,external_node_module_.createRequire)((0,external_node_path_.join)(process.cwd(), 'package.json')).resolve('chromadb'));
        for (let i = 0; i < 4; i++, dir = (0,external_node_path_.dirname)(dir)) {
            const cli = (0,external_node_path_.join)(dir, 'dist', 'cli.mjs');
            if ((0,external_node_fs_.existsSync)(cli))
                return [process.execPath, cli];
        }
    }
    catch { }
    return ['npx', '--no-install', 'chroma'];
}
async function freePort() {
    return new Promise((resolve, reject) => {
        const s = (0,external_node_net_.createServer)();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const port = s.address().port;
            s.close(() => resolve(port));
        });
    });
}
/** Process groups of drill Chromas still running: killed when this process ends, however it ends. */
const running = new Set();
let hooked = false;
function killGroups() {
    for (const pgid of running) {
        try {
            process.kill(-pgid, 'SIGKILL');
        }
        catch { }
    }
    running.clear();
}
function hookExit() {
    if (hooked)
        return;
    hooked = true;
    // 'exit' covers a normal end and process.exit(); a runner cancelling the step sends SIGINT
    // or SIGTERM, which would otherwise end this process and orphan the detached group.
    process.once('exit', killGroups);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
        process.once(sig, () => {
            killGroups();
            process.kill(process.pid, sig);
        });
}
/**
 * The drill's Chroma runs detached, in its own process group (so stop() ends it and anything it
 * spawned), with its output in a log file — never a pipe to this process — and unref'd: nothing
 * of it can keep this process alive or hold its stdout/stderr open. A runner waits for the
 * step's stdio to close, so a server holding them would hang the step after it finished.
 */
class LocalChroma {
    path;
    port;
    command;
    child;
    logDir;
    api;
    constructor(path, port, command = defaultChromaCommand()) {
        this.path = path;
        this.port = port;
        this.command = command;
    }
    /** The tail of the server's log (stdout and stderr). */
    logTail(chars = 1500) {
        if (!this.logDir)
            return '';
        try {
            return (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(this.logDir, 'chroma.log'), 'utf8').slice(-chars);
        }
        catch {
            return '';
        }
    }
    async start(timeoutMs = 60_000) {
        if (this.child)
            await this.stop();
        const [cmd, ...args] = this.command;
        this.api = new chroma_api/* ChromaApi */.Ro(`http://127.0.0.1:${this.port}`);
        // A stale server on the port would answer the heartbeat and make the drill lie.
        if (await this.api.heartbeat())
            throw new errors.UserError(`port ${this.port}`, 'already serves a Chroma', 'stop it or pick another port');
        this.logDir ??= (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'ragship-chroma-log-'));
        const log = (0,external_node_fs_.openSync)((0,external_node_path_.join)(this.logDir, 'chroma.log'), 'w');
        let child;
        try {
            child = (0,external_node_child_process_.spawn)(cmd, [...args, 'run', '--path', this.path, '--port', String(this.port), '--host', '127.0.0.1'], { stdio: ['ignore', log, log], detached: true });
        }
        finally {
            (0,external_node_fs_.closeSync)(log); // the child has its own copy
        }
        child.unref();
        this.child = child;
        if (child.pid) {
            running.add(child.pid);
            hookExit();
        }
        const exited = new Promise((_, reject) => {
            child.once('error', (err) => reject(new errors.UserError(`chroma command ${cmd}`, `cannot be started: ${err.message}`, 'check chroma-command')));
            child.once('exit', (code, signal) => reject(new errors.UserError(`chroma on ${this.path}`, `exited with ${signal ?? `status ${code}`} before it was healthy:\n${this.logTail()}`, 'check the Chroma version matches the backup')));
        });
        exited.catch(() => { });
        return Promise.race([this.api.waitHealthy(timeoutMs), exited]);
    }
    /** SIGTERM to the whole process group, SIGKILL after 30 s, and wait until it is gone. */
    async stop() {
        const child = this.child;
        this.child = undefined;
        if (child?.pid) {
            const group = -child.pid;
            const signal = (s) => {
                try {
                    process.kill(group, s);
                    return true;
                }
                catch {
                    return false; // the group is gone
                }
            };
            if (signal('SIGTERM')) {
                const deadline = Date.now() + 30_000;
                while (signal(0) && Date.now() < deadline)
                    await new Promise((r) => setTimeout(r, 100));
                if (signal('SIGKILL'))
                    while (signal(0))
                        await new Promise((r) => setTimeout(r, 50));
            }
            else if (child.exitCode === null && child.signalCode === null) {
                child.kill('SIGKILL'); // not a group leader (cannot happen with detached; belt and braces)
            }
            running.delete(child.pid);
        }
        if (this.logDir)
            (0,external_node_fs_.rmSync)(this.logDir, { recursive: true, force: true });
        this.logDir = undefined;
    }
}

// EXTERNAL MODULE: ./src/backup/manifest.ts
var backup_manifest = __webpack_require__(6345);
// EXTERNAL MODULE: ./src/backup/pipeline.ts
var pipeline = __webpack_require__(1062);
// EXTERNAL MODULE: ./src/backup/tar-index.ts
var tar_index = __webpack_require__(9676);
;// CONCATENATED MODULE: ./src/backup/verify.ts


















/** A passphrase of 16+ characters, or age identities; both become log secrets. */
function verify_assertKeys(o, logger) {
    for (const i of o.identities ?? []) {
        logger.setSecret(i);
        if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(i))
            throw new errors.UserError('age-identity', 'is not an age identity (expected AGE-SECRET-KEY-1… lines, as age-keygen writes them)', 'pass the contents of the key file whose public key (age1…) the backups are encrypted to');
    }
    if (o.identities?.length && !o.passphrase)
        return;
    (0,crypto_stream/* assertPassphrase */.jm)(o.passphrase, 'encryption-passphrase');
    logger.setSecret(o.passphrase);
}
async function verify_loadManifest(store, id) {
    const raw = await store.getJson(store.key(backup_manifest/* keys */.HP.manifest(id)));
    if (raw === undefined)
        throw new errors.UserError(`backup ${id}`, 'has no manifest: it was never committed (or does not exist)', 'list backups with `ragship backups`');
    return (0,backup_manifest/* parseManifest */.Ng)(raw, `backup ${id}`);
}
/**
 * Downloads one stored object, authenticates and decrypts it, and checks its stored hash,
 * plaintext hash and every file hash against the manifest while feeding `sink`.
 */
async function verify_downloadChecked(store, obj, mode, keys, sink, where, logger) {
    const k = typeof keys === 'string' ? { passphrase: keys } : keys;
    if (obj.encryption === backup_manifest/* LEGACY_ENCRYPTION */.it && !k.passphrase)
        throw new errors.UserError(where, 'is a format-1 (RAGSHIPB) backup, encrypted with a passphrase only', 'pass the encryption passphrase it was made with');
    const { body } = await store.getStream(obj.key);
    const decrypt = obj.encryption === backup_manifest/* LEGACY_ENCRYPTION */.it
        ? new crypto_stream/* DecryptStream */.e7(k.passphrase, where)
        : (0,age_stream/* ageDecryptStream */.n3)(k, where);
    const decompress = (0,compress/* decompressor */.ni)(obj.compression);
    const stored = new pipeline/* Meter */.kI();
    const plain = new pipeline/* Meter */.kI();
    const index = mode === 'physical' ? new tar_index/* TarIndex */.G() : new logical/* NdjsonIndex */.JX();
    try {
        const progress = logger
            ? (0,core_progress/* progressStream */.Kf)(new core_progress/* Progress */.ke({ label: `download ${obj.key}`, unit: 'bytes', total: obj.storedBytes, logger }))
            : new external_node_stream_.PassThrough();
        await (0,promises_.pipeline)(body, progress, stored, decrypt, decompress, plain, index, sink);
    }
    catch (err) {
        if (err instanceof errors.UserError)
            throw err;
        throw new errors.UserError(where, `cannot be read back: ${err.message}`, 'the archive is corrupted or truncated; use another backup');
    }
    const problems = [];
    if (stored.bytes !== obj.storedBytes)
        problems.push(`stored size ${stored.bytes} ≠ manifest ${obj.storedBytes} (truncated?)`);
    const storedSha = stored.hash.digest('hex');
    if (storedSha !== obj.storedSha256)
        problems.push(`stored SHA-256 ${storedSha.slice(0, 12)}… ≠ manifest ${obj.storedSha256.slice(0, 12)}…`);
    const plainSha = plain.hash.digest('hex');
    if (plainSha !== obj.plainSha256)
        problems.push(`plaintext SHA-256 ${plainSha.slice(0, 12)}… ≠ manifest ${obj.plainSha256.slice(0, 12)}…`);
    const files = typeof index.files === 'function' ? index.files() : index.files;
    problems.push(...compareFiles(obj.files, files));
    if (problems.length)
        throw new errors.UserError(where, `does not match its manifest (hash mismatch): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`, 'do not restore it; use another backup');
}
function compareFiles(expected, actual) {
    const got = new Map(actual.map((f) => [f.path, f]));
    const out = [];
    for (const e of expected) {
        const a = got.get(e.path);
        if (!a)
            out.push(`${e.path} missing`);
        else if (a.sha256 !== e.sha256 || a.bytes !== e.bytes)
            out.push(`${e.path} SHA-256 mismatch`);
        got.delete(e.path);
    }
    for (const extra of got.keys())
        out.push(`${extra} not in the manifest`);
    return out;
}
/** A tar extractor on the runner (system tar), stripping the persist dir's own name. */
function extractTo(dir) {
    const child = (0,external_node_child_process_.spawn)('tar', ['-x', '-f', '-', '-C', dir, '--strip-components=1', '--no-same-owner'], {
        stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => {
        err += c;
    });
    const done = new Promise((resolve, reject) => child.on('close', (code) => code === 0
        ? resolve()
        : reject(new errors.UserError('tar -x', `exited with ${code}: ${err.slice(-500)}`, 'check free disk space on the runner'))));
    done.catch(() => { });
    return { sink: child.stdin, done };
}
/**
 * Compares collections, counts and id sets with the manifest, and runs self-queries: each sampled
 * record's stored vector is queried and should find the record itself (distance ~0).
 *
 * HNSW search is approximate: on large collections some records are unreachable in the graph
 * and never come back, whatever the number of results asked for (30,000 random 256-d vectors on
 * Chroma 1.0.5: 6-7 of 100 samples missed themselves on a live, never-restored index). So one
 * miss is not damage; a collection fails when fewer than half of its samples find themselves,
 * which a missing or mismatched index does. The data itself is checked by the id sets here and
 * by the file hashes before.
 */
async function verify_compareWithManifest(api, manifest) {
    const problems = [];
    const live = await api.collections();
    const names = new Set(live.map((c) => c.name));
    let records = 0;
    let selfQueries = 0;
    let selfHits = 0;
    for (const c of manifest.chroma.collections) {
        const info = live.find((l) => l.name === c.name);
        names.delete(c.name);
        if (!info) {
            problems.push(`collection ${c.name} is missing`);
            continue;
        }
        const ids = await api.allIds(info.id);
        records += ids.length;
        if (ids.length !== c.count)
            problems.push(`${c.name}: ${ids.length} records, manifest says ${c.count}`);
        if ((0,chroma_api/* idSetDigest */.Ir)(ids) !== c.idsSha256)
            problems.push(`${c.name}: the id set differs from the manifest`);
        if (c.sampleIds.length) {
            const got = await api.get(info.id, {
                ids: c.sampleIds,
                limit: c.sampleIds.length,
                offset: 0,
                include: ['embeddings'],
            });
            if (got.ids.length !== c.sampleIds.length)
                problems.push(`${c.name}: sample ids missing (${got.ids.length}/${c.sampleIds.length})`);
            const vectors = got.embeddings ?? [];
            if (vectors.length) {
                const r = await api.query(info.id, vectors, Math.min(3, ids.length));
                const missed = [];
                got.ids.forEach((id, i) => {
                    const hit = r.ids[i]?.indexOf(id) ?? -1;
                    if (hit === -1 || (r.distances[i]?.[hit] ?? 1) > 1e-4)
                        missed.push(id);
                });
                selfQueries += got.ids.length;
                selfHits += got.ids.length - missed.length;
                if (missed.length * 2 > got.ids.length)
                    problems.push(`${c.name}: ${missed.length} of ${got.ids.length} sampled vectors do not find themselves (${missed.slice(0, 3).join(', ')}): the vector index does not answer for its data`);
            }
        }
    }
    for (const extra of names)
        problems.push(`collection ${extra} is not in the manifest`);
    return { records, selfQueries, selfHits, problems };
}
/**
 * The restore drill: download, check hashes, decrypt, boot Chroma on the restored data on the
 * runner, compare with the manifest, restart it and compare again.
 */
async function verifyBackup(store, id, o, logger) {
    verify_assertKeys(o, logger);
    const secrets = { passphrase: o.passphrase, identities: o.identities };
    const started = Date.now();
    const manifest = await verify_loadManifest(store, id);
    const dir = o.workDir ?? (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), `ragship-verify-${id}-`));
    const checks = [];
    const chroma = new LocalChroma((0,external_node_path_.join)(dir, 'data'), o.port || (await freePort()), o.chromaCommand);
    const diskFull = (free) => new errors.UserError('restore drill', `${(free / 1e6).toFixed(1)} MB free under ${dir}, the restored data needs ${(manifest.archive.plainBytes / 1e6).toFixed(1)} MB: the drill's files were removed; backup ${id} itself is stored, not verified`, 'point TMPDIR (on GitHub runners: RUNNER_TEMP) at a disk with room for the restored data, then run the drill again (command: verify)');
    const freeUnder = (path) => {
        const f = (0,external_node_fs_.statfsSync)(path);
        return f.bavail * f.bsize;
    };
    try {
        // The runner's temp dir must hold the restored persist dir (or export): refuse up front.
        if (freeUnder(dir) < manifest.archive.plainBytes)
            throw diskFull(freeUnder(dir));
        const { mkdirSync } = await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 3024, 23));
        mkdirSync((0,external_node_path_.join)(dir, 'data'), { recursive: true });
        const ndjsonPath = (0,external_node_path_.join)(dir, 'export.ndjson');
        await logger.group(`download, decrypt and check ${manifest.archive.files.length} file hashes`, async () => {
            if (manifest.mode === 'physical') {
                const x = extractTo((0,external_node_path_.join)(dir, 'data'));
                await Promise.all([
                    verify_downloadChecked(store, manifest.archive, 'physical', secrets, x.sink, `backup ${id} archive`),
                    x.done,
                ]);
            }
            else {
                await verify_downloadChecked(store, manifest.archive, 'logical', secrets, (0,external_node_fs_.createWriteStream)(ndjsonPath), `backup ${id} archive`);
            }
            if (manifest.config)
                await verify_downloadChecked(store, manifest.config, 'physical', secrets, new external_node_stream_.Writable({ write: (_c, _e, cb) => cb() }), `backup ${id} config`);
        });
        checks.push({
            check: 'stored, plaintext and per-file SHA-256',
            result: `ok (${manifest.archive.files.length} files)`,
        });
        await logger.group('boot Chroma on the restored data', async () => {
            await chroma.start();
            const version = await chroma.api.version();
            if ((0,chroma_api/* compareVersions */.Zy)(version, manifest.chroma.version) < 0) {
                throw new errors.UserError('restore drill', `the drill's Chroma ${version} is older than the backup's ${manifest.chroma.version}`, 'use chroma-command with a Chroma of the backup version or newer');
            }
            if (manifest.mode === 'logical') {
                const rl = (0,external_node_readline_.createInterface)({
                    input: (0,external_node_fs_.createReadStream)(ndjsonPath),
                    crlfDelay: Number.POSITIVE_INFINITY,
                });
                await (0,logical/* importNdjson */.ew)(chroma.api, rl, logger);
            }
        });
        const first = await verify_compareWithManifest(chroma.api, manifest);
        if (first.problems.length)
            throw new errors.UserError(`backup ${id}`, `restored data differs from the manifest: ${first.problems.slice(0, 5).join('; ')}`, 'do not rely on this backup');
        checks.push({
            check: 'collections, counts, id sets',
            result: `ok (${manifest.chroma.collections.length} collections, ${first.records} records)`,
        });
        checks.push({
            check: 'self-queries',
            result: `ok (${first.selfHits} of ${first.selfQueries} sampled vectors found themselves; the index search is approximate)`,
        });
        const again = await logger.group('restart Chroma and query again', async () => {
            await chroma.stop();
            await chroma.start();
            return verify_compareWithManifest(chroma.api, manifest);
        });
        if (again.problems.length)
            throw new errors.UserError(`backup ${id}`, `after a restart the restored data differs: ${again.problems.slice(0, 5).join('; ')}`, 'do not rely on this backup');
        checks.push({
            check: 'after restart',
            result: `ok (${again.selfHits} of ${again.selfQueries} sampled vectors found themselves)`,
        });
        const verification = {
            id,
            verifiedAt: new Date().toISOString(),
            chromaVersion: await chroma.api.version(),
            collections: manifest.chroma.collections.length,
            records: first.records,
            selfQueries: first.selfQueries + again.selfQueries,
            durationMs: Date.now() - started,
        };
        if (o.record)
            await store.putJson(store.key(backup_manifest/* keys */.HP.verified(id)), verification);
        logger.info(`backup ${id} verified in ${(verification.durationMs / 1000).toFixed(1)} s`);
        return { manifest, verification, checks };
    }
    catch (err) {
        // Full while writing anyway (something else filled it): say so, not a bare ENOSPC.
        if (err.code === 'ENOSPC' || /ENOSPC|no space left/i.test(String(err)))
            throw diskFull(freeUnder(dir));
        throw err;
    }
    finally {
        await chroma.stop();
        if (!o.workDir)
            (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true });
    }
}

;// CONCATENATED MODULE: ./src/backup/restore.ts










const nullSink = () => new Writable({ write: (_c, _e, cb) => cb() });
/**
 * Restores a backup to a host's Chroma: checks the backup end to end before touching the
 * host, refuses an older Chroma, takes a safety copy, replaces the data, verifies after.
 */
async function restore_restoreBackup(o, logger, hostOverride) {
    assertKeys(o, logger);
    const secrets = { passphrase: o.passphrase, identities: o.identities };
    const store = new BackupStore(o.store, logger);
    const id = await resolveBackupId(store, o.backupId);
    const manifest = await loadManifest(store, id);
    const host = hostOverride ?? (o.source.host ? connectHost(o.source.host, logger) : undefined);
    let held;
    try {
        if (host)
            o = { ...o, source: await resolveSourceContainer(o.source, host, logger) };
        const container = o.source.container ? checkContainer(o.source.container, 'container') : undefined;
        const persistPath = checkPersistPath(o.source.persistPath, 'persist-path');
        const tunnelled = !o.source.chromaUrl && host && container
            ? await tunnelToContainer(host, container, o.source.chromaPort)
            : undefined;
        const api = o.source.chromaUrl ? new ChromaApi(o.source.chromaUrl) : tunnelled?.api;
        if (!api)
            throw new UserError('restore', 'no way to reach the target Chroma', 'set chroma-url, or host and container');
        let changes;
        try {
            const version = await api.version();
            if (compareVersions(version, manifest.chroma.version) < 0) {
                throw new UserError('restore', `the target runs Chroma ${version}, older than the backup's ${manifest.chroma.version}; persist-dir migrations are one-way`, `upgrade the target to ${manifest.chroma.version} or newer first`);
            }
            const now = await api.collections();
            const counts = new Map();
            for (const c of now)
                counts.set(c.name, await api.count(c.id));
            changes = manifest.chroma.collections.map((c) => ({
                collection: c.name,
                now: counts.get(c.name) ?? null,
                after: c.count,
            }));
            for (const c of now)
                if (!manifest.chroma.collections.some((m) => m.name === c.name))
                    changes.push({ collection: c.name, now: counts.get(c.name) ?? 0, after: 0 });
        }
        finally {
            await tunnelled?.tunnel.close();
        }
        if (o.dryRun) {
            logger.info(`dry run: would restore ${id} (${manifest.mode}) over ${changes.length} collection(s); nothing changed`);
            return { id, manifest, dryRun: true, changes };
        }
        await logger.group(`check backup ${id} end to end before touching the host`, () => downloadChecked(store, manifest.archive, manifest.mode, secrets, nullSink(), `backup ${id} archive`));
        // From the safety copy to the check after: no deploy, backup or sleep of the environment
        // may stop, start or recreate this Chroma meanwhile (a held lock fails here, nothing touched).
        held = await lockEnvironmentFor(o, host, `restore ${id}`, logger);
        let safetyCopyId;
        if (o.safetyCopy) {
            const safety = await logger.group('safety copy of the current data', () => runBackup({
                ...o,
                mode: manifest.mode === 'physical' && host && container ? 'physical' : 'logical',
                minSizeBytes: 1,
                onDrift: 'fuzzy',
                pageSize: 1000,
                environment: `${o.environment}`,
                // This restore holds the environment's lock already.
                lock: undefined,
            }, logger, host));
            safetyCopyId = safety.manifest.id;
            logger.info(`safety copy: backup ${safetyCopyId}`);
        }
        let downtimeMs;
        if (manifest.mode === 'physical') {
            if (!host || !container)
                throw new UserError('restore', 'a physical backup restores to a host container', 'set host and container');
            const top = posix.basename(manifest.chroma.persistPath ?? '/data');
            if (posix.basename(persistPath) !== top)
                throw new UserError('persist-path', `the backup holds a folder named ${top}, the target path is ${persistPath}`, `mount the persist dir at …/${top}`);
            const image = (await host.exec(['docker', 'inspect', '--format', '{{.Config.Image}}', container])).stdout.trim();
            const copy = coldCopy(host, container, {
                graceSeconds: o.stopTimeoutSeconds,
                chromaPort: o.source.chromaPort,
                healthTimeoutMs: o.healthTimeoutSeconds * 1000,
                logger,
            });
            // What `find -delete` below clears must be the container's own data: a volume or bind
            // mount (--volumes-from shows it); a path in the container's layer would be cleared in a
            // throwaway container only, and the backup merged over the old data.
            const mounts = JSON.parse((await host.exec(commands.mounts(container))).stdout || '[]') ?? [];
            if (!onMount(mounts, persistPath))
                throw new UserError('persist-path', `${container}:${persistPath} is not on a volume or bind mount of the container: a restore could not replace it (nothing was changed)`, 'mount the persist dir as a volume (as the example compose file does), then restore');
            try {
                await copy.stop().catch((err) => {
                    throw new UserError(`${host.label}: ${container}`, `restore aborted before any data was touched: ${err.message.replace(/ ?the backup was not taken and /, ' ')}`, `fix the stop (raise stop-timeout-seconds, check the restart policy) and restore again${safetyCopyId ? `; the safety copy ${safetyCopyId} is kept` : ''}`);
                });
                const state = await containerState(host, container);
                if (state.Running)
                    throw new UserError(`${host.label}: ${container}`, 'restore aborted: the container is running again after the stop (a restart policy?), its data is live', 'stop whatever restarts it, then restore again');
                await logger.group(`replace ${container}:${persistPath}`, async () => {
                    await host.exec([
                        'docker',
                        'run',
                        '--rm',
                        '--volumes-from',
                        container,
                        '--entrypoint',
                        'find',
                        image,
                        persistPath,
                        '-mindepth',
                        '1',
                        '-delete',
                    ], { where: `${host.label}: clearing ${persistPath}` });
                    const stdin = new (await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 7075, 23))).PassThrough();
                    const cp = host.exec(commands.copyIn(container, posix.dirname(persistPath)), {
                        input: stdin,
                        where: `${host.label}: docker cp into ${container}`,
                    });
                    await Promise.all([
                        downloadChecked(store, manifest.archive, 'physical', secrets, stdin, `backup ${id} archive`, logger),
                        cp,
                    ]);
                });
            }
            finally {
                downtimeMs = await copy.restart();
            }
        }
        else {
            const t = !o.source.chromaUrl && host && container
                ? await tunnelToContainer(host, container, o.source.chromaPort)
                : undefined;
            const target = o.source.chromaUrl ? new ChromaApi(o.source.chromaUrl) : t.api;
            try {
                const lines = new (await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 7075, 23))).PassThrough();
                const { createInterface } = await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 481, 23));
                await Promise.all([
                    downloadChecked(store, manifest.archive, 'logical', secrets, lines, `backup ${id} archive`, logger),
                    importNdjson(target, createInterface({ input: lines }), logger),
                ]);
            }
            finally {
                await t?.tunnel.close();
            }
        }
        const after = !o.source.chromaUrl && host && container
            ? await tunnelToContainer(host, container, o.source.chromaPort)
            : undefined;
        try {
            const check = await compareWithManifest(o.source.chromaUrl ? new ChromaApi(o.source.chromaUrl) : after.api, manifest);
            if (check.problems.length)
                throw new UserError('restore', `the restored data differs from backup ${id}: ${check.problems.slice(0, 5).join('; ')}${safetyCopyId ? ` — the previous data is in backup ${safetyCopyId}` : ''}`, 'investigate before serving traffic');
            logger.info(`restored ${id}: ${check.records} records, ${check.selfHits} of ${check.selfQueries} self-queries found their record`);
        }
        finally {
            await after?.tunnel.close();
        }
        return { id, manifest, dryRun: false, changes, safetyCopyId, downtimeMs };
    }
    finally {
        await held?.release();
        if (!hostOverride)
            host?.close();
    }
}

;// CONCATENATED MODULE: ./src/backup/retention.ts


function isoWeek(d) {
    const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    const day = t.getUTCDay() || 7;
    t.setUTCDate(t.getUTCDate() + 4 - day);
    const year = t.getUTCFullYear();
    const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
    return `${year}-W${week}`;
}
/**
 * restic's `forget --keep-*` over verified backups only. Unverified and uncommitted
 * backups are never counted as kept copies and never chosen for removal here (they are
 * listed for a person to look at); the newest verified backup is always kept.
 */
function planRetention(backups, policy) {
    const verified = backups
        .filter((b) => b.committed && b.verified)
        .sort((a, b) => b.time.getTime() - a.time.getTime());
    const reasons = new Map();
    const add = (id, r) => reasons.set(id, [...(reasons.get(id) ?? []), r]);
    if (verified[0])
        add(verified[0].id, 'newest verified');
    for (const b of verified.slice(0, policy.keepLast))
        add(b.id, 'last');
    const bucket = (n, key, label) => {
        const seen = new Set();
        for (const b of verified) {
            if (seen.size >= n)
                break;
            const k = key(b.time);
            if (seen.has(k))
                continue;
            seen.add(k);
            add(b.id, `${label} ${k}`);
        }
    };
    bucket(policy.keepDaily, (d) => d.toISOString().slice(0, 10), 'daily');
    bucket(policy.keepWeekly, isoWeek, 'weekly');
    bucket(policy.keepMonthly, (d) => d.toISOString().slice(0, 7), 'monthly');
    return {
        keep: [...reasons].map(([id, r]) => ({ id, reasons: r })),
        remove: verified.filter((b) => !reasons.has(b.id)).map((b) => b.id),
    };
}
async function applyRetention(store, policy, logger, dryRun = false) {
    const backups = await (0,catalog/* listBackups */.C)(store);
    const plan = planRetention(backups, policy);
    const unverified = backups.filter((b) => !b.verified).map((b) => b.id);
    if (!plan.keep.length) {
        logger.warn('retention: no verified backup exists, nothing is removed');
        return { ...plan, remove: [], unverified };
    }
    for (const id of plan.remove) {
        if (dryRun)
            continue;
        const objects = await store.list(backup_manifest/* keys */.HP.dir(id));
        // The manifest goes first: a half-deleted backup is then uncommitted, never "valid but broken".
        const manifest = objects
            .filter((o) => o.key.endsWith('/manifest.json') || o.key.endsWith('/verified.json'))
            .map((o) => o.key);
        await store.deleteKeys(manifest);
        await store.deleteKeys(objects.map((o) => o.key).filter((k) => !manifest.includes(k)));
        logger.info(`retention: removed ${id}`);
    }
    if (unverified.length)
        logger.warn(`retention: ${unverified.length} backup(s) are not verified and were left alone: ${unverified.slice(0, 5).join(', ')}`);
    return { ...plan, unverified };
}

;// CONCATENATED MODULE: ./src/backup/job.ts












const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
async function alertOnFailure(alert, title, logger, fn) {
    try {
        return await fn();
    }
    catch (err) {
        await sendAlert(alert.webhookUrl, webhookFormat(alert.webhookUrl ?? '', alert.webhookFormat), title, (0,errors.errorMessage)(err), logger, alert.runUrl);
        throw err;
    }
}
/**
 * backup → verify (restore drill) → metrics push (only after a passing verify) → retention
 * (only after a passing verify) → summary. A failed run pushes only the failure timestamp.
 */
async function runBackupJob(o, logger) {
    const started = performance.now();
    try {
        return await backupJob(o, logger, started);
    }
    catch (err) {
        if (o.metrics)
            await (0,backup_metrics/* pushBackupMetrics */.Af)(o.metrics, o.environment, { kind: 'failure', at: Date.now() / 1000 }, logger);
        throw err;
    }
}
async function backupJob(o, logger, started) {
    return alertOnFailure(o.alert, `ragship backup of ${o.environment} FAILED`, logger, async () => {
        const report = new report_Report().heading(`Backup of ${o.environment}`);
        const backup = await (0,backup_backup/* runBackup */.Q3)(o, logger);
        const m = backup.manifest;
        report.table([
            'backup',
            'mode',
            'collections',
            'records',
            'files',
            'plain',
            'stored',
            'MB/s',
            'downtime',
            'duration',
        ], [
            [
                m.id,
                m.mode + (m.fuzzy ? ' (fuzzy)' : ''),
                m.chroma.collections.length,
                m.chroma.collections.reduce((a, c) => a + c.count, 0),
                m.archive.files.length,
                mb(m.archive.plainBytes),
                mb(m.archive.storedBytes),
                backup.mbPerSecond.toFixed(1),
                m.downtimeMs === undefined
                    ? '—'
                    : `${(0,core_logger/* formatDuration */.a3)(m.downtimeMs)}${m.snapshotCopyMs === undefined ? '' : ` (local copy ${(0,core_logger/* formatDuration */.a3)(m.snapshotCopyMs)})`}`,
                (0,core_logger/* formatDuration */.a3)(m.durationMs),
            ],
        ]);
        report.table(['collection', 'count', 'dimension'], m.chroma.collections.map((c) => [c.name, c.count, c.dimension ?? '—']));
        const store = new backup_store/* BackupStore */.yG(o.store, logger);
        let verify;
        let retention;
        let metrics;
        if (o.verify) {
            verify = await logger.group(`restore drill of ${m.id}`, () => verifyBackup(store, m.id, { passphrase: o.passphrase, record: true, chromaCommand: o.chromaCommand }, logger));
            report.heading('Restore drill', 3).table(['check', 'result'], verify.checks.map((c) => [c.check, c.result]));
            if (o.metrics) {
                metrics = await (0,backup_metrics/* pushBackupMetrics */.Af)(o.metrics, o.environment, {
                    kind: 'success',
                    at: Date.now() / 1000,
                    storedBytes: m.archive.storedBytes,
                    durationSeconds: (performance.now() - started) / 1000,
                    records: m.chroma.collections.reduce((a, c) => a + c.count, 0),
                }, logger);
                report
                    .heading('Metrics', 3)
                    .text(metrics.pushed
                    ? `Pushed the success metrics to \`${metrics.target}\`.`
                    : `**NOT pushed**: the success metrics could not reach \`${metrics.target}\` (${metrics.error}). The backup itself is stored and verified; \`BackupStale\` fires once the last pushed success is 26 h old, so fix the Pushgateway or re-run.`);
            }
            if (o.retention) {
                retention = await logger.group('retention', () => applyRetention(store, o.retention, logger));
                report
                    .heading('Retention', 3)
                    .text(`kept ${retention.keep.length} verified backup(s), removed ${retention.remove.length}${retention.unverified.length ? `, ${retention.unverified.length} unverified left alone` : ''}`);
            }
        }
        else {
            if (o.retention)
                logger.warn('retention skipped: it only runs after a verified backup (verify: true)');
            if (o.metrics) {
                logger.warn('metrics not pushed: the success timestamp is only pushed after a verified backup (verify: true)');
                report
                    .heading('Metrics', 3)
                    .text('**NOT pushed**: verify is off, and only a verified backup counts as a success.');
            }
        }
        return { backup, verify, retention, metrics, report };
    });
}
/** The scheduled restore drill: verify the newest (or a given) backup, then the dead-man check. */
async function runDrill(o, logger) {
    return alertOnFailure(o.alert, `ragship restore drill of ${o.environment} FAILED`, logger, async () => {
        const store = new backup_store/* BackupStore */.yG(o.store, logger);
        const { resolveBackupId } = await Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 6253));
        const id = await resolveBackupId(store, o.backupId);
        const verify = await verifyBackup(store, id, { passphrase: o.passphrase, record: true, chromaCommand: o.chromaCommand }, logger);
        const report = new report_Report().heading(`Restore drill of ${o.environment}: ${id}`).table(['check', 'result'], verify.checks.map((c) => [c.check, c.result]));
        if (o.maxAgeHours) {
            const s = await checkStaleness(store, o.maxAgeHours);
            if (s.stale)
                throw stalenessError(s, o.maxAgeHours, `backups of ${o.environment}`);
            report.text(`Newest verified backup is ${s.ageHours.toFixed(1)} h old (limit ${o.maxAgeHours} h).`);
        }
        return { verify, report };
    });
}
async function runStaleness(o, logger) {
    return alertOnFailure(o.alert, `ragship backups of ${o.environment} are STALE`, logger, async () => {
        const store = new backup_store/* BackupStore */.yG(o.store, logger);
        const s = await checkStaleness(store, o.maxAgeHours);
        if (s.stale)
            throw stalenessError(s, o.maxAgeHours, `backups of ${o.environment}`);
        return {
            report: new report_Report()
                .heading(`Backups of ${o.environment}`)
                .text(`Newest verified backup ${s.newestVerified} is ${s.ageHours.toFixed(1)} h old (limit ${o.maxAgeHours} h).`),
        };
    });
}
async function runRestoreJob(o, logger) {
    return alertOnFailure(o.alert, `ragship restore of ${o.environment} FAILED`, logger, async () => {
        const result = await restoreBackup(o, logger);
        const report = new Report()
            .heading(`${result.dryRun ? 'Dry run: restore' : 'Restore'} of ${o.environment} from ${result.id}`)
            .table(['collection', 'now', 'after restore'], result.changes.map((c) => [c.collection, c.now ?? '—', c.after]));
        if (result.safetyCopyId)
            report.text(`Safety copy of the previous data: backup \`${result.safetyCopyId}\`.`);
        if (result.downtimeMs !== undefined)
            report.text(`Chroma downtime: ${formatDuration(result.downtimeMs)}.`);
        return { result, report };
    });
}
async function listJob(store, logger) {
    const backups = await listBackups(new BackupStore(store, logger));
    const report = new Report().heading('Backups').table(['id', 'committed', 'verified', 'size'], backups.map((b) => [
        b.id,
        b.committed ? 'yes' : 'NO (incomplete)',
        b.verified ? 'yes' : 'no',
        mb(b.bytes),
    ]));
    return { backups, report };
}


/***/ })

};
