import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 701;
export const ids = [701];
export const modules = {

/***/ 9438:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $I: () => (/* binding */ checkRecipients),
/* harmony export */   FW: () => (/* binding */ ageEncryptStream),
/* harmony export */   n3: () => (/* binding */ ageDecryptStream)
/* harmony export */ });
/* unused harmony exports AGE_DEFAULT_LOG_N, NativeScryptRecipient, NativeScryptIdentity, parseIdentities, AGE_RECIPIENT */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var age_encryption__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3920);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(4296);




/**
 * The age format (age-encryption.org/v1) as Node streams: what `age -d` (Debian's age 1.1,
 * rage, typage) decrypts. Passphrase files use age's scrypt stanza; recipient files use X25519
 * (`age1…`) keys.
 *
 * The header — file key, recipient stanzas, MAC — is written and read by the `age-encryption`
 * library (Encrypter, Decrypter.decryptHeader). The payload (STREAM: 64 KiB ChaCha20-Poly1305
 * chunks) and the scrypt stanza use Node's native crypto: the library's pure-JS ChaCha20 ran at
 * ~20–50 MB/s on one thread and its scrypt blocks the event loop; the bytes are the same (tested
 * both ways against the library and against Debian's `age`).
 */
/** age's default passphrase work factor (scrypt N = 2^18, r = 8, p = 1). */
const AGE_DEFAULT_LOG_N = 18;
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
const b64 = (b) => Buffer.from(b).toString('base64').replace(/=+$/, '');
function scryptKey(passphrase, salt, logN) {
    const N = 2 ** logN;
    return new Promise((resolve, reject) => (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.scrypt)(passphrase, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 + 32 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}
/** chacha20-poly1305 with an all-zero nonce: the wrapping of the 16-byte file key. */
function wrap(fileKey, key) {
    const c = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createCipheriv)('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
    return Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
}
function unwrap(body, key) {
    if (body.length !== 32)
        throw new Error('invalid scrypt stanza');
    const d = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createDecipheriv)('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
    d.setAuthTag(body.subarray(16));
    try {
        return Buffer.concat([d.update(body.subarray(0, 16)), d.final()]);
    }
    catch {
        return null;
    }
}
class NativeScryptRecipient {
    passphrase;
    logN;
    constructor(passphrase, logN = AGE_DEFAULT_LOG_N) {
        this.passphrase = passphrase;
        this.logN = logN;
    }
    async wrapFileKey(fileKey) {
        const salt = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(16);
        const key = await scryptKey(this.passphrase, salt, this.logN);
        return [new age_encryption__WEBPACK_IMPORTED_MODULE_2__/* .Stanza */ .Qd(['scrypt', b64(salt), String(this.logN)], wrap(fileKey, key))];
    }
}
class NativeScryptIdentity {
    passphrase;
    constructor(passphrase) {
        this.passphrase = passphrase;
    }
    async unwrapFileKey(stanzas) {
        for (const s of stanzas) {
            if (s.args[0] !== 'scrypt')
                continue;
            if (stanzas.length !== 1)
                throw new Error('scrypt recipient is not the only one in the header');
            if (s.args.length !== 3 || !/^[1-9][0-9]*$/.test(s.args[2]))
                throw new Error('invalid scrypt stanza');
            const salt = Buffer.from(s.args[1], 'base64');
            const logN = Number(s.args[2]);
            if (salt.length !== 16)
                throw new Error('invalid scrypt stanza');
            if (logN > 22)
                throw new Error(`scrypt work factor 2^${logN} is too high`);
            return unwrap(s.body, await scryptKey(this.passphrase, salt, logN));
        }
        return null;
    }
}
/** `AGE-SECRET-KEY-1…` lines of a key file as `age-keygen` writes it (comments skipped). */
function parseIdentities(text) {
    return text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
}
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
function checkRecipients(recipients, where) {
    for (const r of recipients)
        if (!AGE_RECIPIENT.test(r))
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError(where, `${JSON.stringify(r.slice(0, 20))}… is not an age X25519 recipient`, 'use the public key `age-keygen -y key.txt` prints (age1…, 62 characters)');
    return recipients;
}
const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED = CHUNK + TAG;
const HEADER_MAX = 64 * 1024;
function payloadKey(fileKey, nonce) {
    return Buffer.from((0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.hkdfSync)('sha256', fileKey, nonce, 'payload', 32));
}
/** STREAM nonce: 11-byte big-endian chunk counter ‖ last-chunk flag. */
function streamNonce(counter, last) {
    const n = Buffer.alloc(12);
    n.writeUIntBE(counter, 5, 6);
    n[11] = last ? 1 : 0;
    return n;
}
/**
 * The age payload (64 KiB ChaCha20-Poly1305 chunks, the last one flagged) with Node's native
 * cipher; the header comes from `age-encryption`. A full chunk is sealed only once more data
 * follows it, so the last chunk always carries the flag.
 */
class AgeSealStream extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    key;
    buf = Buffer.alloc(CHUNK);
    used = 0;
    counter = 0;
    constructor(head, key) {
        super();
        this.key = key;
        this.push(head);
    }
    seal(plain, last) {
        const c = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createCipheriv)('chacha20-poly1305', this.key, streamNonce(this.counter++, last), {
            authTagLength: TAG,
        });
        return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    }
    _transform(chunk, _e, cb) {
        let data = chunk;
        while (data.length > 0) {
            if (this.used === CHUNK) {
                this.push(this.seal(this.buf, false));
                this.used = 0;
            }
            const n = Math.min(CHUNK - this.used, data.length);
            data.copy(this.buf, this.used, 0, n);
            this.used += n;
            data = data.subarray(n);
        }
        cb();
    }
    _flush(cb) {
        this.push(this.seal(this.buf.subarray(0, this.used), true));
        cb();
    }
}
/** An age file in, plaintext out: header through `age-encryption`, payload natively. */
class AgeOpenStream extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    decrypter;
    mapError;
    pending = Buffer.alloc(0);
    key;
    counter = 0;
    constructor(decrypter, mapError) {
        super();
        this.decrypter = decrypter;
        this.mapError = mapError;
    }
    open(sealed, last) {
        const d = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createDecipheriv)('chacha20-poly1305', this.key, streamNonce(this.counter++, last), {
            authTagLength: TAG,
        });
        d.setAuthTag(sealed.subarray(sealed.length - TAG));
        return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
    }
    _transform(chunk, _e, cb) {
        this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
        if (this.key) {
            this.drain(cb);
            return;
        }
        const end = this.pending.indexOf('\n--- ');
        const eol = end === -1 ? -1 : this.pending.indexOf(0x0a, end + 1);
        if (eol === -1 || this.pending.length < eol + 1 + 16) {
            if (this.pending.length > HEADER_MAX)
                cb(this.mapError(new Error('invalid header: no end of header in the first 64 KiB')));
            else
                cb();
            return;
        }
        const header = this.pending.subarray(0, eol + 1);
        const nonce = this.pending.subarray(eol + 1, eol + 17);
        this.decrypter.decryptHeader(header).then((fileKey) => {
            this.key = payloadKey(fileKey, nonce);
            this.pending = this.pending.subarray(eol + 17);
            this.drain(cb);
        }, (err) => cb(this.mapError(err)));
    }
    /** Opens every full chunk known not to be the last one (more bytes follow it). */
    drain(cb) {
        try {
            let at = 0;
            while (this.pending.length - at > SEALED) {
                this.push(this.open(this.pending.subarray(at, at + SEALED), false));
                at += SEALED;
            }
            this.pending = this.pending.subarray(at);
            cb();
        }
        catch (err) {
            cb(this.mapError(err));
        }
    }
    _flush(cb) {
        try {
            if (!this.key) {
                const m = this.pending.subarray(0, 22).toString('latin1');
                throw new Error(m.startsWith('age-encryption.org/v1') ? 'invalid header: truncated' : 'invalid version line');
            }
            if (this.pending.length < TAG)
                throw new Error('invalid tag: the last chunk is cut');
            if (this.pending.length === TAG && this.counter > 0)
                throw new Error('final chunk is empty');
            this.push(this.open(this.pending, true));
            cb();
        }
        catch (err) {
            cb(this.mapError(err));
        }
    }
}
/** Captures the file key the Encrypter draws (adds no stanza). */
class FileKeyTap {
    fileKey;
    wrapFileKey(fileKey) {
        this.fileKey = fileKey;
        return [];
    }
}
/** Plaintext in, an age file out. */
async function ageEncryptStream(o) {
    const e = new age_encryption__WEBPACK_IMPORTED_MODULE_2__/* .Encrypter */ .T7();
    if (o.recipients?.length)
        for (const r of o.recipients)
            e.addRecipient(r);
    else if (o.passphrase)
        e.addRecipient(new NativeScryptRecipient(o.passphrase, o.logN ?? AGE_DEFAULT_LOG_N));
    else
        throw new Error('age encryption needs a passphrase or recipients');
    const tap = new FileKeyTap();
    e.addRecipient(tap);
    // The library writes the header (stanzas + MAC) of an empty file: header ‖ nonce ‖ 16-byte tag.
    const empty = Buffer.from(await e.encrypt(new Uint8Array(0)));
    const header = empty.subarray(0, empty.length - 32);
    const nonce = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(16); // a fresh payload nonce: the empty file's is discarded
    return new AgeSealStream(Buffer.concat([header, nonce]), payloadKey(tap.fileKey, nonce));
}
/** An age file in, plaintext out; a wrong key, truncation or tampering is a UserError. */
function ageDecryptStream(keys, where) {
    const d = new age_encryption__WEBPACK_IMPORTED_MODULE_2__/* .Decrypter */ .Hz();
    if (keys.passphrase)
        d.addIdentity(new NativeScryptIdentity(keys.passphrase));
    for (const i of keys.identities ?? [])
        d.addIdentity(i);
    return new AgeOpenStream(d, (err) => {
        if (err instanceof _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError)
            return err;
        const m = err.message ?? String(err);
        if (/no identity matched/.test(m))
            return new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError(where, 'cannot be decrypted with this passphrase or age identity (no identity matched the file’s recipients)', 'pass the encryption passphrase or the age identity (AGE-SECRET-KEY-1…) the backup was made for');
        if (/invalid tag|authenticate|final chunk is empty|Unsupported state/.test(m))
            return new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError(where, `fails authentication (${m}): the archive is truncated, modified or corrupted`, 'use another backup; this one cannot be trusted');
        if (/invalid version|invalid header|invalid stanza|HMAC/.test(m))
            return new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError(where, `is not a valid age file (${m}): empty or truncated, or not an age file`, 'check the object key; use another backup');
        return new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError(where, `cannot be decrypted: ${m}`, 'use another backup');
    });
}


/***/ }),

/***/ 6082:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  connectHost: () => (/* binding */ backup_connectHost),
  _h: () => (/* binding */ lockEnvironmentFor),
  pi: () => (/* binding */ resolveSourceContainer),
  Q3: () => (/* binding */ runBackup)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./src/core/errors.ts
var core_errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
var lib_default = /*#__PURE__*/__webpack_require__.n(lib);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/core/known-hosts.ts


class HostKeyError extends core_errors.UserError {
}
/** `SHA256:` + unpadded base64 of the key blob, as `ssh-keygen -lf` prints it. */
function fingerprint(blob) {
    return `SHA256:${(0,external_node_crypto_.createHash)('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
/** The key type named inside an SSH public key blob (its first length-prefixed string). */
function keyTypeOf(blob) {
    if (blob.length < 4)
        return 'unknown';
    const len = blob.readUInt32BE(0);
    return blob.subarray(4, 4 + len).toString('latin1');
}
/** The host pattern ssh uses in known_hosts: `host` for port 22, `[host]:port` otherwise. */
function hostPattern(host, port) {
    return port === 22 ? host : `[${host}]:${port}`;
}
function globMatch(pattern, text) {
    const re = new RegExp(`^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`, 'i');
    return re.test(text);
}
function hostFieldMatches(field, name) {
    if (field.startsWith('|1|')) {
        const [, , salt, hash] = field.split('|');
        if (!salt || !hash)
            return false;
        const mac = (0,external_node_crypto_.createHmac)('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
        return mac === hash;
    }
    let matched = false;
    for (const p of field.split(',')) {
        if (p.startsWith('!')) {
            if (globMatch(p.slice(1), name))
                return false;
        }
        else if (globMatch(p, name))
            matched = true;
    }
    return matched;
}
/** Keys known_hosts lists for host:port, and keys it marks @revoked. */
function knownKeysFor(knownHosts, host, port) {
    const name = hostPattern(host, port);
    const keys = [];
    const revoked = [];
    for (const raw of knownHosts.split(/\r?\n/)) {
        const line = raw.trim();
        if (!line || line.startsWith('#'))
            continue;
        let fields = line.split(/\s+/);
        let marker = '';
        if (fields[0]?.startsWith('@')) {
            marker = fields[0];
            fields = fields.slice(1);
        }
        const [hosts, type, b64] = fields;
        if (!hosts || !type || !b64 || marker === '@cert-authority')
            continue;
        if (!hostFieldMatches(hosts, name))
            continue;
        const entry = { type, blob: Buffer.from(b64, 'base64') };
        (marker === '@revoked' ? revoked : keys).push(entry);
    }
    return { keys, revoked };
}
const FINGERPRINT = /^(?:([a-z0-9@.-]+)\s+)?SHA256:([A-Za-z0-9+/]{43})=?$/;
/** Validates pins up front; hex/MD5 fingerprints are refused with the command that prints the right form. */
function parsePins(pins, where) {
    return pins.map((pin) => {
        const m = FINGERPRINT.exec(pin.trim());
        if (!m) {
            const bare = pin.trim().replace(/^(?:[a-z0-9@.-]+\s+)?(?:MD5:|SHA256:)?/i, '');
            const hint = /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(bare)
                ? ' (that is an MD5 hex fingerprint)'
                : /^(?:[0-9a-f]{64}|([0-9a-f]{2}:){31}[0-9a-f]{2})$/i.test(bare)
                    ? ' (that is a hex fingerprint; ssh uses base64)'
                    : '';
            throw new HostKeyError(where, `${JSON.stringify(pin)} is not a SHA256 host key fingerprint${hint}`, 'give "SHA256:<base64>" as printed by `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host');
        }
        return { type: m[1], fingerprint: `SHA256:${m[2]}` };
    });
}
/** ssh2 host-key algorithm names to offer for known key types, so the server shows a key we can check. */
function hostKeyAlgorithmsFor(types) {
    if (types.length === 0)
        return undefined;
    const algs = new Set();
    for (const t of types) {
        if (t === 'ssh-rsa')
            for (const a of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
                algs.add(a);
        else
            algs.add(t);
    }
    return [...algs];
}
const FIX_MISMATCH = 'if the host was rebuilt, verify the new key out of band and update known_hosts/fingerprints; otherwise treat this as an attack and do not connect';
/**
 * Builds the verifier for one host. A policy with neither known_hosts nor pins is a
 * configuration error (thrown here, before any connection); known_hosts without an
 * entry for this host is an "unknown host" reported with the key the server offers.
 */
function hostKeyCheck(policy, host, port, where) {
    const pins = parsePins(policy.fingerprints ?? [], `${where} fingerprints`);
    if (pins.length === 0 && !policy.knownHosts?.trim()) {
        throw new HostKeyError(where, `no known_hosts and no host key fingerprint given for ${hostPattern(host, port)} (host key checking fails closed)`, `pass known_hosts content (ssh-keyscan -p ${port} ${host}, checked out of band) or the host's SHA256 fingerprint`);
    }
    const { keys, revoked } = policy.knownHosts
        ? knownKeysFor(policy.knownHosts, host, port)
        : { keys: [], revoked: [] };
    const expected = [
        ...keys.map((k) => `${k.type} ${fingerprint(k.blob)} (known_hosts)`),
        ...pins.map((p) => `${p.type ?? 'any type'} ${p.fingerprint} (pin)`),
    ];
    const expectedText = expected.length
        ? expected.join(', ')
        : 'none (no known_hosts entry or pin for this host)';
    const pinTypes = pins.map((p) => p.type).filter((t) => !!t);
    const typed = pins.every((p) => p.type);
    const known = keys.length > 0 || pins.length > 0;
    return {
        algorithms: known && typed ? hostKeyAlgorithmsFor([...keys.map((k) => k.type), ...pinTypes]) : undefined,
        expected,
        verify(blob) {
            const offered = `${keyTypeOf(blob)} ${fingerprint(blob)}`;
            if (revoked.some((k) => k.blob.equals(blob))) {
                return {
                    ok: false,
                    error: new HostKeyError(where, `host key ${offered} is marked @revoked in known_hosts`, 'replace the host key and update known_hosts'),
                };
            }
            if (keys.some((k) => k.blob.equals(blob)))
                return { ok: true };
            if (pins.some((p) => p.fingerprint === fingerprint(blob)))
                return { ok: true };
            if (!known) {
                return {
                    ok: false,
                    error: new HostKeyError(where, `unknown host ${hostPattern(host, port)}: offered ${offered}; expected ${expectedText}`, `verify ${fingerprint(blob)} out of band (ssh-keygen -lf on the host), then add the host's line to known_hosts or pin the fingerprint`),
                };
            }
            return {
                ok: false,
                error: new HostKeyError(where, `HOST KEY MISMATCH for ${hostPattern(host, port)}: offered ${offered}; expected ${expectedText}`, FIX_MISMATCH),
            };
        },
        noCommonType(offeredBlob) {
            const offered = offeredBlob
                ? `${keyTypeOf(offeredBlob)} ${fingerprint(offeredBlob)}`
                : 'no key of those types';
            return new HostKeyError(where, `HOST KEY MISMATCH for ${hostPattern(host, port)}: the server offers no host key of the trusted type(s); offered ${offered}; expected ${expectedText}`, FIX_MISMATCH);
        },
    };
}

;// CONCATENATED MODULE: ./src/core/ssh/connect.ts



/** Runs `attempt` up to `attempts` times with back-off; only connection-level failures are retried. */
async function connectWithRetry(attempts, label, logger, attempt, onFailedAttempt) {
    const total = Math.max(1, attempts);
    let lastError;
    for (let i = 1; i <= total; i++) {
        try {
            return await attempt();
        }
        catch (err) {
            lastError = err;
            onFailedAttempt();
            // A wrong host key or a refused login will not fix itself: no retry.
            if (!isRetryable(err))
                throw err;
            if (i < total) {
                logger?.warn(`${label}: connect attempt ${i}/${total} failed (${err.message}); retrying`);
                await new Promise((r) => setTimeout(r, 500 * 2 ** (i - 1)));
            }
        }
    }
    throw lastError;
}
/** A stream to `host:port` through an already connected (verified) jump client. */
function openThroughJump(jumpClient, label, host, port) {
    return new Promise((resolve, reject) => {
        jumpClient.forwardOut('127.0.0.1', 0, host, port, (err, stream) => err
            ? reject(retryable(new core_errors.UserError(label, `jump host could not reach ${host}:${port}: ${err.message}`, 'check the target address from the jump host')))
            : resolve(stream));
    });
}
/** One verified, authenticated connection (over `openSock`'s stream when given, e.g. a jump host). */
async function connectOnce(opts, events, openSock) {
    const port = opts.port ?? 22;
    const where = opts.label ?? `${opts.user}@${opts.host}:${port}`;
    const check = hostKeyCheck(opts.hostKeys, opts.host, port, where);
    checkPrivateKey(opts, where);
    try {
        return await handshake(opts, check, openSock ? await openSock() : undefined, false, events);
    }
    catch (err) {
        // The server offered none of the trusted key types: learn which key it does offer
        // (a second handshake that never authenticates) so the message can show it.
        if (check.algorithms && err instanceof Error && /no matching host key/i.test(err.message)) {
            const offered = await probeHostKey(opts, events, openSock ? await openSock() : undefined);
            throw check.noCommonType(offered);
        }
        throw err;
    }
}
async function probeHostKey(opts, events, sock) {
    let offered;
    const refuse = () => new HostKeyError(opts.host, 'host key probe', '');
    const probe = {
        expected: [],
        verify: (blob) => {
            offered = blob;
            return { ok: false, error: refuse() };
        },
        noCommonType: refuse,
    };
    await handshake(opts, probe, sock, true, events).catch(() => undefined);
    return offered;
}
function handshake(opts, check, sock, probe, events) {
    const port = opts.port ?? 22;
    const where = opts.label ?? `${opts.user}@${opts.host}:${port}`;
    return new Promise((resolve, reject) => {
        const client = new lib.Client();
        let hostKeyError;
        let offered = false;
        let settled = false;
        const fail = (err) => {
            if (settled)
                return;
            settled = true;
            client.end();
            reject(err);
        };
        client.on('ready', () => {
            settled = true;
            events.onReady(client, where);
            resolve(client);
        });
        client.on('error', (err) => {
            if (hostKeyError)
                return fail(hostKeyError);
            if (err.level === 'client-authentication') {
                return fail(new core_errors.UserError(where, `the server refused the SSH key for user ${opts.user}`, `add the deploy public key to ~${opts.user}/.ssh/authorized_keys on the host`));
            }
            if (/no matching host key/i.test(err.message))
                return fail(new core_errors.UserError(where, `cannot connect: ${err.message}`, 'check the host key types'));
            fail(retryable(new core_errors.UserError(where, `cannot connect: ${err.message}`, 'check the host, port and firewall')));
        });
        client.on('close', () => {
            if (hostKeyError)
                fail(hostKeyError);
            else
                fail(retryable(new core_errors.UserError(where, 'connection closed during the handshake', 'check sshd on the host')));
        });
        const config = {
            host: sock ? undefined : opts.host,
            port: sock ? undefined : port,
            sock: sock,
            username: opts.user,
            privateKey: opts.privateKey,
            passphrase: opts.passphrase,
            readyTimeout: opts.connectTimeoutMs ?? 15_000,
            keepaliveInterval: opts.keepaliveIntervalMs ?? 10_000,
            keepaliveCountMax: 3,
            algorithms: check.algorithms && !probe ? { serverHostKey: check.algorithms } : undefined,
            hostVerifier: (key) => {
                const verdict = check.verify(key);
                if (!verdict.ok)
                    hostKeyError = verdict.error;
                return verdict.ok;
            },
            authHandler: (_methods, _partial, next) => {
                // One key, offered once: re-offering a refused key until sshd says "Too many
                // authentication failures" would burn fail2ban/ufw rate-limit budget.
                if (probe || offered)
                    return next(false);
                offered = true;
                events.onAuthAttempt(where);
                next({
                    type: 'publickey',
                    username: opts.user,
                    key: opts.privateKey,
                    passphrase: opts.passphrase,
                });
            },
        };
        client.connect(config);
    });
}
/**
 * ssh2 throws a bare "Cannot parse privateKey" from inside connect(): check the key first so a
 * wrong secret is a configuration error that says which key and what to pass.
 */
function checkPrivateKey(opts, where) {
    const parsed = lib_default().utils.parseKey(opts.privateKey, opts.passphrase);
    const error = parsed instanceof Error
        ? parsed
        : Array.isArray(parsed) && parsed.length === 0
            ? new Error('no key found')
            : undefined;
    if (error) {
        throw new core_errors.ConfigError(`${where} private key`, `cannot be read (${error.message.replace(/privateKey/g, 'private key')})`, `pass the deploy user's private key in OpenSSH or PEM format (-----BEGIN OPENSSH PRIVATE KEY-----…)${/passphrase/i.test(error.message) ? ' and its passphrase' : ''}`);
    }
}
function retryable(err) {
    err.retryable = true;
    return err;
}
/** Only connection-level failures (refused, timed out, dropped during the handshake) are retried. */
function isRetryable(err) {
    return err instanceof core_errors.UserError && err.retryable === true;
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
;// CONCATENATED MODULE: ./src/core/shell.ts
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
function quote(arg) {
    if (arg === '')
        return "''";
    if (SAFE.test(arg))
        return arg;
    return `'${arg.replace(/'/g, `'\\''`)}'`;
}
/** argv → one shell command line. */
function commandLine(argv) {
    if (argv.length === 0)
        throw new Error('commandLine: empty argv');
    return argv.map(quote).join(' ');
}

;// CONCATENATED MODULE: ./src/core/ssh/exec.ts



/** Linux MAX_ARG_STRLEN (32 pages) minus the terminating NUL. */
const MAX_COMMAND_LINE_BYTES = 131_071;
/**
 * sshd hands the command line to the login shell as ONE argument, and Linux caps a single
 * argument at 128 KiB (MAX_ARG_STRLEN): refuse early with a fix instead of "Argument list too long".
 */
function commandLineFor(argv, where) {
    const line = commandLine(argv);
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_COMMAND_LINE_BYTES) {
        throw new core_errors.UserError(where, `the command line is ${bytes} bytes (\`${describe(argv)}\`); a host's shell accepts at most ${MAX_COMMAND_LINE_BYTES}`, 'send large data through stdin (exec input / execStream) or upload() a file instead of an argument');
    }
    return line;
}
/**
 * Runs one command line on a channel of `client`. A non-zero exit, a signal, or a channel that
 * closes without an exit status is an error carrying the command and the tail of stderr.
 * `reject` is the owner's (it also fires when the connection drops).
 */
function execOnChannel(client, line, argv, options, where, reject) {
    const started = performance.now();
    return new Promise((resolve) => {
        client.exec(line, (err, channel) => {
            if (err)
                return reject(new core_errors.CommandError(argv[0] ?? '', null, err.message, where));
            let stdout = '';
            let stderr = '';
            let code = null;
            let signal = null;
            let gotExit = false;
            const timer = options.timeoutMs
                ? setTimeout(() => {
                    channel.signal('KILL');
                    channel.close();
                    reject(new core_errors.CommandError(argv.join(' ').slice(0, 200), null, `timed out after ${options.timeoutMs} ms\n${(0,core_errors.tail)(stderr, 10)}`, where));
                }, options.timeoutMs)
                : undefined;
            channel.setEncoding('utf8');
            channel.on('data', (c) => {
                stdout += c;
                options.onStdout?.(c);
            });
            channel.stderr.setEncoding('utf8');
            channel.stderr.on('data', (c) => {
                stderr += c;
                options.onStderr?.(c);
            });
            channel.on('exit', (c, s) => {
                gotExit = true;
                code = c;
                signal = s ?? null;
            });
            channel.on('close', () => {
                if (timer)
                    clearTimeout(timer);
                const name = describe(argv);
                if (!gotExit || code === null) {
                    return reject(new core_errors.CommandError(name, null, (0,core_errors.tail)(stderr || 'no exit status received'), where, signal ?? undefined));
                }
                if (code !== 0 && !options.allowFailure) {
                    return reject(new core_errors.CommandError(name, code, (0,core_errors.tail)(stderr || stdout), where));
                }
                resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
            });
            feed(channel, options.input);
        });
    });
}
/**
 * Runs one command line with streaming stdout: nothing is buffered beyond the stream's
 * high-water mark, and backpressure reaches the remote command. `done` rejects like exec
 * does; the stdout stream then errors too.
 */
function execStreamOnChannel(client, line, argv, options, where, track) {
    const out = new external_node_stream_.PassThrough();
    // `done` carries the failure; a consumer that only awaits `done` must not crash on the stream error.
    out.on('error', () => { });
    const started = performance.now();
    const done = track((reject) => new Promise((resolve) => {
        client.exec(line, (err, channel) => {
            if (err)
                return reject(new core_errors.CommandError(argv[0] ?? '', null, err.message, where));
            let stderr = '';
            let code = null;
            let signal = null;
            channel.stderr.setEncoding('utf8');
            channel.stderr.on('data', (c) => {
                stderr = (stderr + c).slice(-8192);
                options.onStderr?.(c);
            });
            channel.on('exit', (c, s) => {
                code = c;
                signal = s ?? null;
            });
            channel.pipe(out, { end: false });
            channel.on('close', () => {
                if (code !== 0) {
                    return reject(new core_errors.CommandError(describe(argv), code, (0,core_errors.tail)(stderr), where, signal ?? undefined));
                }
                out.end();
                resolve({ code, signal: null, stdout: '', stderr, durationMs: performance.now() - started });
            });
            feed(channel, options.input);
        });
    }));
    done.catch((e) => out.destroy(e));
    return { stdout: out, done };
}
/**
 * Runs one command line interactively (`ragship exec -i/-it`): `stdin` is piped into the channel
 * (its end is the command's EOF), the channel's output out as it arrives; with `pty` the host
 * allocates a terminal of that size. Resolves with the exit status (null on a signal); only a
 * dropped connection rejects.
 */
function execInteractiveOnChannel(client, line, argv, o, where, reject) {
    return new Promise((resolve) => {
        const opts = o.pty ? { pty: { rows: o.pty.rows, cols: o.pty.cols, term: o.pty.term } } : {};
        client.exec(line, opts, (err, channel) => {
            if (err)
                return reject(new core_errors.CommandError(argv[0] ?? '', null, err.message, where));
            let code = null;
            let signal = null;
            channel.on('data', (c) => o.stdout.write(c));
            channel.stderr.on('data', (c) => o.stderr.write(c));
            channel.on('exit', (c, s) => {
                code = c ?? null;
                signal = s ?? null;
            });
            o.onResize?.((rows, cols) => channel.setWindow(rows, cols, 0, 0));
            channel.on('close', () => {
                o.stdin.unpipe(channel);
                resolve({ code, signal });
            });
            o.stdin.pipe(channel);
        });
    });
}
function describe(argv) {
    // Name the program (and sub-command) without dumping long or sensitive arguments.
    return argv
        .slice(0, argv[0] === 'sh' ? 1 : 3)
        .map((a) => (a.length > 40 ? `${a.slice(0, 40)}…` : a))
        .join(' ');
}
function feed(channel, input) {
    if (input === undefined)
        channel.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input))
        channel.end(input);
    else
        input.pipe(channel);
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/core/ssh/sftp.ts


/** The SFTP subsystem of a connection (one session per connection, opened on first use). */
function openSftp(client, label) {
    return new Promise((resolve, reject) => client.sftp((err, sftp) => err
        ? reject(new core_errors.UserError(label, `SFTP unavailable: ${err.message}`, 'enable the sftp subsystem in sshd_config'))
        : resolve(sftp)));
}
/**
 * Writes `content` to `path` atomically: a temporary file created with `mode` from the
 * start (O_CREAT|O_EXCL with the mode, so there is no readable window), then renamed.
 */
function uploadAtomic(sftp, where, path, content, mode, reject) {
    const dir = external_node_path_.posix.dirname(path);
    const tmp = external_node_path_.posix.join(dir, `.${external_node_path_.posix.basename(path)}.${process.pid}.${Date.now()}.tmp`);
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    return new Promise((resolve) => {
        sftp.open(tmp, 'wx', { mode }, (err, handle) => {
            if (err)
                return reject(new core_errors.UserError(where.label, `cannot create ${tmp}: ${err.message}`, `check that ${dir} exists and is writable by ${where.user}`));
            const finish = (e) => {
                sftp.close(handle, () => {
                    if (e)
                        return sftp.unlink(tmp, () => reject(new core_errors.UserError(where.label, `upload to ${path} failed: ${e.message}`, 'check free disk space on the host')));
                    sftp.ext_openssh_rename(tmp, path, (renameErr) => {
                        if (renameErr)
                            return sftp.unlink(tmp, () => reject(new core_errors.UserError(where.label, `cannot move upload into ${path}: ${renameErr.message}`, 'check permissions')));
                        resolve();
                    });
                });
            };
            if (data.length === 0)
                return finish();
            writeAll(sftp, handle, data, finish);
        });
    });
}
/** A file's content, or undefined when it does not exist. */
function readRemoteFile(sftp, label, path, reject) {
    return new Promise((resolve) => {
        sftp.readFile(path, (err, data) => {
            if (err)
                return err.code === 2
                    ? resolve(undefined)
                    : reject(new core_errors.UserError(label, `cannot read ${path}: ${err.message}`, 'check permissions'));
            resolve(data);
        });
    });
}
/**
 * Writes `data` at its offsets with up to 64 requests in flight (SFTP answers them in any
 * order): one round trip per 32 KB chunk would make a 20 MB upload take tens of seconds.
 */
function writeAll(sftp, handle, data, done) {
    const CHUNK = 32 * 1024;
    const IN_FLIGHT = 64;
    let next = 0;
    let active = 0;
    let failed = false;
    const pump = () => {
        while (!failed && active < IN_FLIGHT && next < data.length) {
            const offset = next;
            const length = Math.min(CHUNK, data.length - offset);
            next += length;
            active++;
            sftp.write(handle, data, offset, length, offset, (err) => {
                active--;
                if (failed)
                    return;
                if (err) {
                    failed = true;
                    return done(err);
                }
                if (next >= data.length && active === 0)
                    return done();
                pump();
            });
        }
    };
    pump();
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/core/ssh/tunnel.ts


/** Asks the host to listen on `f.bindHost:f.bindPort` for this connection (`ssh -R`). */
function listenRemote(client, f, label) {
    return new Promise((resolve, reject) => client.forwardIn(f.bindHost, f.bindPort, (err) => err
        ? reject(new core_errors.UserError(`${label} tunnel`, `the host refused to listen on ${f.bindHost}:${f.bindPort} for the tunnel to ${f.target.host}:${f.target.port} (${err.message}): the port is taken on the host, or the key may not forward ports (authorized_keys "restrict" without "port-forwarding,permitlisten=…", or AllowTcpForwarding no)`, `free port ${f.bindPort} on the host and allow it for the deploy key: provision with registry-tunnel-port: ${f.bindPort}, or add port-forwarding,permitlisten="localhost:${f.bindPort}" to its authorized_keys line`))
        : resolve()));
}
/** Carries one connection the host accepted on a remote forward to its local target. */
function acceptForwarded(f, accept, refuse, label, logger) {
    if (!f) {
        refuse();
        return;
    }
    const channel = accept();
    // autoSelectFamily: "localhost" may resolve to ::1 first while the target listens on 127.0.0.1.
    const socket = (0,external_node_net_.connect)({ host: f.target.host, port: f.target.port, autoSelectFamily: true });
    socket.on('error', (err) => {
        logger?.debug(`${label} tunnel to ${f.target.host}:${f.target.port}: ${err.message}`);
        channel.destroy();
    });
    channel.on('error', () => socket.destroy());
    channel.on('close', () => socket.destroy());
    // A target that closes cleanly may still have bytes queued in the channel (SSH flow control):
    // the pipe ends the channel once they are sent. Destroying it here cut the tail of large
    // responses (docker retried the blob 5 s later with a Range request).
    socket.on('close', (hadError) => {
        if (hadError)
            channel.destroy();
    });
    channel.pipe(socket).pipe(channel);
}
/** A stream to `host:port` as the host sees it (`ssh -L`'s channel). */
function forwardOut(client, host, port) {
    return new Promise((resolve, reject) => client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream))));
}

;// CONCATENATED MODULE: ./src/core/ssh/remote-host.ts





/**
 * One SSH connection per host, reused for every command (ssh2 multiplexes channels).
 * Host keys are verified before authentication and fail closed. The handshake lives in
 * connect.ts, channels in exec.ts, files in sftp.ts, port forwards in tunnel.ts; this class
 * holds the connection's state (and reopens the remote forwards after a reconnect).
 */
class RemoteHost {
    options;
    label;
    /** How many TCP connections this object opened (the deploy benchmark reports it). */
    connectionsOpened = 0;
    /** Whether authentication was ever attempted (tests prove key checks come first). */
    authAttempted = false;
    /** Where authentication was attempted, in order (bastion first): proves a target was never offered a key. */
    authAttemptedOn = [];
    client;
    jumpClient;
    connecting;
    sftpSession;
    pending = new Set();
    /** Remote listen port → local target, re-opened after a reconnect. */
    remoteForwards = new Map();
    events = {
        onReady: (client, where) => {
            this.connectionsOpened++;
            client.on('close', () => this.onClosed(client));
            client.on('error', (err) => this.options.logger?.debug(`${where}: ${err.message}`));
            client.on('tcp connection', (info, accept, refuse) => this.onForwarded(info.destPort, accept, refuse));
        },
        onAuthAttempt: (where) => {
            this.authAttempted = true;
            this.authAttemptedOn.push(where);
        },
    };
    constructor(options) {
        this.options = options;
        this.label = options.label ?? `${options.user}@${options.host}:${options.port ?? 22}`;
        options.logger?.setSecret(options.privateKey);
        options.logger?.setSecret(options.passphrase);
    }
    /** Opens the connection if needed; retries only the connect, with back-off. */
    async connect() {
        if (this.client)
            return this.client;
        if (!this.connecting) {
            this.connecting = connectWithRetry(this.options.connectAttempts ?? 3, this.label, this.options.logger, async () => {
                const client = this.options.jump
                    ? await connectOnce(this.options, this.events, () => this.openJump())
                    : await connectOnce(this.options, this.events);
                this.client = client;
                for (const f of this.remoteForwards.values())
                    await listenRemote(client, f, this.label);
                return client;
            }, () => {
                this.jumpClient?.end();
                this.jumpClient = undefined;
            }).finally(() => {
                this.connecting = undefined;
            });
        }
        return this.connecting;
    }
    /** A stream to the target through the (verified) jump host; the jump connection is reused. */
    async openJump() {
        const jump = this.options.jump;
        if (!this.jumpClient) {
            const opts = {
                ...jump,
                label: jump.label ?? `jump ${jump.user}@${jump.host}:${jump.port ?? 22}`,
            };
            this.jumpClient = await connectOnce(opts, this.events);
        }
        return openThroughJump(this.jumpClient, this.label, this.options.host, this.options.port ?? 22);
    }
    onClosed(client) {
        if (this.client !== client)
            return;
        this.client = undefined;
        this.sftpSession = undefined;
        const err = new core_errors.CommandError('(connection)', null, 'the SSH connection was closed', this.label);
        for (const reject of this.pending)
            reject(err);
        this.pending.clear();
    }
    /** Runs `run` until it settles or the connection drops (then it rejects with the drop). */
    track(run) {
        let rejectFn;
        const aborted = new Promise((_, reject) => {
            rejectFn = reject;
        });
        this.pending.add(rejectFn);
        return Promise.race([run(rejectFn), aborted]).finally(() => this.pending.delete(rejectFn));
    }
    /**
     * Runs argv on the host. A non-zero exit, a signal, or a channel that closes without
     * an exit status is an error carrying the command and the tail of stderr.
     */
    async exec(argv, options = {}) {
        const where = options.where ?? this.label;
        const line = commandLineFor(argv, where);
        const client = await this.connect();
        this.options.logger?.debug(`${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
        return this.track((reject) => execOnChannel(client, line, argv, options, where, reject));
    }
    /**
     * Runs argv with streaming stdout (for large transfers such as backups): nothing is
     * buffered beyond the stream's high-water mark, and backpressure reaches the remote
     * command. `input` streams into the command's stdin. `done` rejects like exec() does
     * (non-zero exit, signal, or no exit status); the stdout stream then errors too.
     */
    async execStream(argv, options = {}) {
        const where = options.where ?? this.label;
        const line = commandLineFor(argv, where);
        const client = await this.connect();
        this.options.logger?.debug(`${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line} (streaming)`);
        return execStreamOnChannel(client, line, argv, options, where, (run) => this.track(run));
    }
    /** Runs argv interactively (stdin in, output out, optionally on a pty): `ragship exec -i/-it`. */
    async execInteractive(argv, options) {
        const where = options.where ?? this.label;
        const line = commandLineFor(argv, where);
        const client = await this.connect();
        this.options.logger?.debug(`${this.label}$ ${line.length > 300 ? `${line.slice(0, 300)}…` : line} (interactive)`);
        return this.track((reject) => execInteractiveOnChannel(client, line, argv, options, where, reject));
    }
    async sftp() {
        const client = await this.connect();
        this.sftpSession ??= openSftp(client, this.label);
        return this.sftpSession;
    }
    /**
     * Writes `content` to `path` atomically: a temporary file created with `mode` from the
     * start (O_CREAT|O_EXCL with the mode, so there is no readable window), then renamed.
     */
    async upload(path, content, mode = 0o600) {
        const sftp = await this.sftp();
        const where = { label: this.label, user: this.options.user };
        await this.track((reject) => uploadAtomic(sftp, where, path, content, mode, reject));
    }
    async readFile(path) {
        const sftp = await this.sftp();
        return this.track((reject) => readRemoteFile(sftp, this.label, path, reject));
    }
    /** A stream to `host:port` as the host sees it, over this connection. */
    async forward(host, port) {
        return forwardOut(await this.connect(), host, port);
    }
    /**
     * A reverse tunnel (`ssh -R`): the host listens on its loopback `bindPort` and every
     * connection there is carried over this SSH connection to `target` as seen from here. Lets a
     * host pull from a registry only the runner can reach (Kamal's "local registry"). The
     * listener lives as long as the connection; it is opened again after a reconnect.
     */
    async forwardRemotePort(bindPort, target) {
        const forward = { bindHost: 'localhost', bindPort, target };
        const client = await this.connect();
        this.remoteForwards.set(bindPort, forward);
        try {
            await listenRemote(client, forward, this.label);
        }
        catch (err) {
            this.remoteForwards.delete(bindPort);
            throw err;
        }
    }
    onForwarded(port, accept, refuse) {
        acceptForwarded(this.remoteForwards.get(port), accept, refuse, this.label, this.options.logger);
    }
    close() {
        this.remoteForwards.clear();
        this.client?.end();
        this.jumpClient?.end();
        this.client = undefined;
        this.jumpClient = undefined;
    }
}

;// CONCATENATED MODULE: ./src/core/remote-host.ts


// EXTERNAL MODULE: ./src/core/ssh-proxy.ts
var ssh_proxy = __webpack_require__(5828);
// EXTERNAL MODULE: ./src/core/validate.ts
var validate = __webpack_require__(993);
// EXTERNAL MODULE: ./src/backup/age-stream.ts
var age_stream = __webpack_require__(9438);
// EXTERNAL MODULE: ./src/backup/chroma-api.ts
var chroma_api = __webpack_require__(8927);
// EXTERNAL MODULE: ./src/backup/compress.ts
var compress = __webpack_require__(4920);
// EXTERNAL MODULE: ./src/backup/config-source.ts + 3 modules
var config_source = __webpack_require__(5040);
// EXTERNAL MODULE: ./src/backup/crypto-stream.ts
var crypto_stream = __webpack_require__(674);
// EXTERNAL MODULE: ./src/backup/env-lock.ts + 3 modules
var env_lock = __webpack_require__(1664);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: ./src/backup/pipeline.ts
var pipeline = __webpack_require__(1062);
;// CONCATENATED MODULE: ./src/backup/host-compress.ts






/**
 * zstd on the Chroma host: the tar of the snapshot is compressed where it is read, so the SSH
 * connection carries the compressed bytes (about a fifth) and this machine only decrypts-free
 * work: the compressed stream goes into age and S3 as is, while a local `zstd -d` of the same
 * bytes feeds the per-file SHA-256 index, the plaintext hash and the size gate. The stored
 * object is the same tar + zstd + age as with local compression: restore does not change.
 * Used when both machines have the zstd CLI; otherwise the tar crosses SSH and zstd runs here.
 */
/** Whether the host has the zstd CLI on its PATH. */
async function hostHasZstd(host) {
    const r = await host.exec(['sh', '-c', 'command -v zstd'], { allowFailure: true });
    return r.code === 0;
}
/** Host compression is possible: zstd here (to index the plaintext) and on the host. */
async function canCompressOnHost(host) {
    return (0,compress/* haveZstd */.i)() && (await hostHasZstd(host));
}
/**
 * `<producer> | zstd -<level> -T0` on the host, failing when the producer failed (POSIX sh has
 * no pipefail: the producer's status goes through a temp file).
 */
function compressedOnHost(producer, level = 3) {
    return [
        'sh',
        '-c',
        `st=$(mktemp) || exit 1; { "$@"; echo $? > "$st"; } | zstd -${Math.round(level)} -T0 -q -c; z=$?; c=$(cat "$st"); rm -f "$st"; [ "$c" = 0 ] || exit "\${c:-1}"; exit $z`,
        'sh',
        ...producer,
    ];
}
/** Passes bytes through; its end waits for `before` (the plaintext check) and fails with it. */
class HoldEnd extends external_node_stream_.Transform {
    before;
    constructor(before) {
        super();
        this.before = before;
    }
    _transform(chunk, _e, cb) {
        cb(null, chunk);
    }
    _flush(cb) {
        this.before.then(() => cb(), (err) => cb(err));
    }
}
/**
 * source (zstd from the host) ─┬→ hold end → age → meter (stored) → S3 multipart
 *                              └→ zstd -d → inspect (per-file SHA-256) → meter (plain) → gate
 * The upload completes only after the plaintext branch ended cleanly (producer exit status,
 * size bounds, a tar that parses); any error destroys both branches and aborts the upload.
 */
async function streamCompressedToStore(store, o) {
    const plain = new pipeline/* Meter */.kI();
    const stored = new pipeline/* Meter */.kI();
    const gate = new pipeline/* Gate */.iD(o.producerDone, o.minBytes, o.maxBytes, o.what);
    const recipients = o.recipients?.length ? o.recipients : undefined;
    const encrypt = await (0,age_stream/* ageEncryptStream */.FW)({ recipients, passphrase: o.passphrase, logN: o.kdf?.logN });
    const toStore = new external_node_stream_.PassThrough();
    const toCheck = new external_node_stream_.PassThrough();
    const body = new external_node_stream_.PassThrough();
    const sink = new external_node_stream_.Writable({ write: (_c, _e, cb) => cb() });
    o.source.pipe(toStore);
    o.source.pipe(toCheck);
    o.source.on('error', (err) => {
        toStore.destroy(err);
        toCheck.destroy(err);
    });
    const checked = (0,promises_.pipeline)(toCheck, (0,compress/* decompressor */.ni)('zstd'), o.inspector, plain, gate, sink);
    checked.catch((err) => body.destroy(err));
    const piped = (0,promises_.pipeline)(toStore, new HoldEnd(checked), encrypt, stored, body);
    let producerError;
    o.producerDone.catch((err) => {
        producerError = err;
        body.destroy(err);
    });
    const uploaded = store.uploadStream(o.key, body, o.partSize).catch((err) => {
        body.destroy(err);
        toCheck.destroy(err);
        throw err;
    });
    const results = await Promise.allSettled([checked, piped, uploaded]);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (errors.length)
        throw errors.find((e) => e instanceof core_errors.UserError) ?? producerError ?? errors[0];
    const up = results[2].value;
    await o.producerDone;
    const files = typeof o.inspector.files === 'function' ? o.inspector.files() : o.inspector.files;
    return {
        key: o.key,
        storedBytes: stored.bytes,
        storedSha256: stored.hash.digest('hex'),
        plainBytes: plain.bytes,
        plainSha256: plain.hash.digest('hex'),
        compression: 'zstd',
        encryption: recipients ? 'age/x25519' : 'age/scrypt',
        partSize: up.partSize,
        parts: Math.max(1, Math.ceil(stored.bytes / up.partSize)),
        files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)),
    };
}

// EXTERNAL MODULE: ./src/backup/logical.ts
var logical = __webpack_require__(4553);
// EXTERNAL MODULE: ./src/backup/manifest.ts
var backup_manifest = __webpack_require__(6345);
// EXTERNAL MODULE: ./src/backup/physical.ts + 1 modules
var physical = __webpack_require__(3003);
;// CONCATENATED MODULE: ./src/backup/stopped-guard.ts



const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const EXIT_CODE = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
/**
 * Starts `container` again if it is not running; waits for a `docker stop` still under way
 * (the container then reads Running until it ends). What a cancelled backup's signal handler
 * and the action's post step both call. Returns what it did, for the log.
 */
async function restartIfStopped(host, container, options = {}) {
    const end = Date.now() + (options.settleMs ?? 0);
    for (;;) {
        const s = await (0,physical/* containerState */.bX)(host, container);
        if (!s.Running)
            break;
        // A stop in flight keeps Running true until it ends: look again until `settleMs` is over.
        if (Date.now() >= end)
            return 'was running';
        await new Promise((r) => setTimeout(r, 500));
    }
    await host.exec(physical/* commands */.Pi.start(container), { where: `${host.label}: starting ${container}` });
    return 'started';
}
/**
 * The action's post step after a run that ended with Chroma stopped (killed outright: SIGKILL,
 * runner lost): connects again and starts it, saying so.
 */
async function restartAfterCancel(conn, container, logger) {
    checkContainer(container, 'container');
    const host = connectHost(conn, logger);
    try {
        const did = await restartIfStopped(host, container, { settleMs: 10_000 });
        if (did === 'started')
            logger.warn(`the backup did not finish with ${container} running on ${host.label}: the post step started it again (no backup was committed)`);
        return did;
    }
    finally {
        host.close();
    }
}
/**
 * While a physical backup has production Chroma stopped, a cancel (the runner's SIGINT then
 * SIGTERM, Ctrl-C, a kill) must not leave it stopped: this handler waits for the operation in
 * flight (a `docker stop` cannot be called back), starts the container, says so, and exits
 * with the signal's code. Whatever kills the process outright (SIGKILL) is the post step's
 * job: `onStopped`/`onRestarted` let the action record that Chroma is down.
 */
class StoppedChromaGuard {
    host;
    container;
    logger;
    hooks;
    armed = false;
    inFlight = Promise.resolve();
    cleanups = [];
    handling = false;
    /** A cancel arrived: nothing may be committed after it. */
    cancelled = false;
    /**
     * Never settles: the backup awaits it after a cancel, so neither its result nor its error
     * reaches a caller that would exit (the CLI) before the handler has started Chroma.
     */
    exiting = new Promise(() => { });
    handler = (sig) => void this.onSignal(sig);
    constructor(host, container, logger, hooks = {}) {
        this.host = host;
        this.container = container;
        this.logger = logger;
        this.hooks = hooks;
    }
    /** Whether a signal now is this guard's to handle (Chroma may be down). */
    get isArmed() {
        return this.armed;
    }
    /** From just before `docker stop`: the container may be (going) down. */
    arm() {
        if (this.armed)
            return;
        this.armed = true;
        this.hooks.onStopped?.();
        for (const sig of SIGNALS)
            process.on(sig, this.handler);
    }
    /** The operation whose end the handler waits for before starting the container. */
    track(p) {
        this.inFlight = p.catch(() => undefined);
        return p;
    }
    /** Something else to undo on a cancel (a snapshot volume on the host). */
    onCancel(cleanup) {
        this.cleanups.push(cleanup);
    }
    /** Chroma is running again (or, with `running` false, the run ends with it down). */
    disarm(running = true) {
        if (!this.armed)
            return;
        this.armed = false;
        for (const sig of SIGNALS)
            process.off(sig, this.handler);
        if (running)
            this.hooks.onRestarted?.();
    }
    async onSignal(sig) {
        if (this.handling)
            return; // the runner sends SIGINT, then SIGTERM: one restart is enough
        this.handling = true;
        this.cancelled = true;
        this.logger.warn(`backup cancelled (${sig}) while ${this.container} on ${this.host.label} is stopped: starting it again; no backup was committed`);
        try {
            const grace = this.hooks.stopGraceMs ?? 120_000;
            await Promise.race([this.inFlight, new Promise((r) => setTimeout(r, grace).unref())]);
            const did = await restartIfStopped(this.host, this.container, { settleMs: 2_000 });
            this.logger.warn(did === 'started'
                ? `${this.container} was started again after the cancel`
                : `${this.container} is running`);
            for (const c of this.cleanups)
                await c().catch(() => undefined);
            this.hooks.onRestarted?.();
        }
        catch (err) {
            this.logger.error(`could not start ${this.container} after the cancel: ${(0,core_errors.errorMessage)(err)} — run \`docker start ${this.container}\` on ${this.host.label}`);
        }
        finally {
            for (const s of SIGNALS)
                process.off(s, this.handler);
            process.exit(EXIT_CODE[sig]);
        }
    }
}

// EXTERNAL MODULE: ./src/backup/store.ts
var backup_store = __webpack_require__(8291);
// EXTERNAL MODULE: ./src/backup/tar-index.ts
var tar_index = __webpack_require__(9676);
;// CONCATENATED MODULE: ./src/backup/backup.ts



















const VERSION = (() => {
    try {
        return JSON.parse((0,external_node_fs_.readFileSync)(new URL(/* asset import */ __webpack_require__(3089), __webpack_require__.b), 'utf8')).version;
    }
    catch {
        return '0.0.0';
    }
})();
/** Fills in `container` from `compose` (project + service) by asking the host's Docker. */
async function resolveSourceContainer(source, host, logger) {
    if (source.container || !source.compose || source.chromaUrl)
        return source;
    const container = (0,physical/* checkContainer */.iT)(await (0,config_source/* resolveComposeContainer */.yu)(host, source.compose), 'container');
    logger.info(`${source.compose.project}/${source.compose.service} runs as container ${container}`);
    return { ...source, container };
}
function backup_connectHost(conn, logger, where = 'host') {
    const spec = (0,validate/* parseHostSpec */.nn)(conn.spec, where);
    const base = {
        privateKey: conn.privateKey,
        hostKeys: { knownHosts: conn.knownHosts, fingerprints: conn.fingerprints },
        connectTimeoutMs: conn.connectTimeoutMs ?? 15_000,
    };
    return new RemoteHost({ ...spec, ...base, jump: (0,ssh_proxy/* jumpFor */.cX)(conn.sshProxy, base), logger });
}
/**
 * Takes the environment's deploy lock (`o.lock`) on its primary host for `what`: through the
 * Chroma host's connection when that is the primary, else a second connection with the same
 * key. Undefined when the backup was not given ragship.yml (no environment to lock).
 */
async function lockEnvironmentFor(o, host, what, logger, deferSignal) {
    if (!o.lock)
        return undefined;
    let own;
    if (!host || (o.source.host && !(0,env_lock/* sameHost */.RM)(o.lock.hostSpec, o.source.host.spec))) {
        if (!o.source.host)
            throw new core_errors.UserError('host', 'is needed to take the deploy lock', 'set host and ssh-private-key');
        own = backup_connectHost({ ...o.source.host, spec: o.lock.hostSpec }, logger, 'ragship.yml primary host');
    }
    try {
        const held = await (0,env_lock/* takeEnvironmentLock */.WE)((own ?? host), o.lock, what, logger, {
            deferSignal,
            onLocked: o.onLocked,
        });
        return {
            ...held,
            release: async () => {
                await held.release();
                own?.close();
            },
        };
    }
    catch (err) {
        own?.close();
        throw err;
    }
}
/**
 * Takes one backup: summary from the API, consistent snapshot (cold copy or paged export),
 * streamed through gzip and encryption into S3, manifest last. Returns only once the
 * manifest — the commit marker — is stored.
 */
async function runBackup(o, logger, hostOverride) {
    if (o.recipients?.length)
        (0,age_stream/* checkRecipients */.$I)(o.recipients, 'encryption-recipients');
    else
        (0,crypto_stream/* assertPassphrase */.jm)(o.passphrase, 'encryption-passphrase');
    logger.setSecret(o.passphrase);
    const compression = o.legacyFormat ? 'gzip' : (o.compression ?? (0,compress/* defaultCompression */.E$)());
    if (!o.legacyFormat && !o.compression && compression === 'gzip')
        logger.warn('zstd is not installed on this runner: compressing with gzip (apt-get install zstd)');
    const sealing = {
        passphrase: o.passphrase,
        recipients: o.recipients,
        kdf: o.kdf,
        compression,
        legacyFormat: o.legacyFormat,
    };
    const objectKey = (kind) => store.key(o.legacyFormat
        ? kind === 'archive'
            ? backup_manifest/* keys */.HP.legacyArchive(id)
            : backup_manifest/* keys */.HP.legacyConfig(id)
        : kind === 'archive'
            ? backup_manifest/* keys */.HP.archive(id, o.mode, compression)
            : backup_manifest/* keys */.HP.config(id, compression));
    if (o.source.container)
        (0,physical/* checkContainer */.iT)(o.source.container, 'container');
    const persistPath = (0,physical/* checkPersistPath */.MI)(o.source.persistPath, 'persist-path');
    if (o.mode === 'physical' &&
        (!(o.source.host || hostOverride) || !(o.source.container || o.source.compose))) {
        throw new core_errors.UserError('backup', 'physical mode needs host and container', 'set host and container, or use mode: logical with chroma-url');
    }
    const store = new backup_store/* BackupStore */.yG(o.store, logger);
    const started = Date.now();
    const id = (0,backup_manifest/* newBackupId */._H)(new Date(started));
    const host = hostOverride ?? (o.source.host ? backup_connectHost(o.source.host, logger) : undefined);
    let guard;
    let held;
    try {
        if (host)
            o = { ...o, source: await resolveSourceContainer(o.source, host, logger) };
        await store.check();
        // Before anything stops: a deploy holding the lock makes this wait or fail, Chroma untouched.
        if (o.mode === 'physical')
            held = await lockEnvironmentFor(o, host, `backup ${id}`, logger, () => guard?.isArmed === true);
        const orphansAborted = await store.sweepOrphans(o.orphanMinAgeMs ?? 3_600_000);
        const partSize = (0,backup_store/* partSizeFor */.oV)(o.maxSizeBytes);
        logger.info(`backup ${id} (${o.mode}) → s3://${o.store.bucket}/${store.key(backup_manifest/* keys */.HP.dir(id))}, part size ${partSize / 2 ** 20} MiB`);
        const tunnelled = !o.source.chromaUrl && host && o.source.container
            ? await (0,physical/* tunnelToContainer */.ti)(host, o.source.container, o.source.chromaPort)
            : undefined;
        const api = o.source.chromaUrl ? new chroma_api/* ChromaApi */.Ro(o.source.chromaUrl) : tunnelled?.api;
        if (!api)
            throw new core_errors.UserError('backup', 'no way to reach Chroma', 'set chroma-url, or host and container');
        let manifestBase;
        try {
            const version = await api.version();
            if (o.mode === 'physical') {
                const collections = await logger.group('collections and counts before the snapshot', () => api.summarize());
                await tunnelled?.tunnel.close();
                const copy = (0,physical/* coldCopy */.Ai)(host, o.source.container, {
                    graceSeconds: o.stopTimeoutSeconds,
                    chromaPort: o.source.chromaPort,
                    healthTimeoutMs: o.healthTimeoutSeconds * 1000,
                    logger,
                });
                let downtimeMs;
                let snapshot;
                let archive;
                const container = o.source.container;
                guard = new StoppedChromaGuard(host, container, logger, {
                    onStopped: () => o.onChromaDown?.(true, container),
                    onRestarted: () => o.onChromaDown?.(false, container),
                    stopGraceMs: (o.stopTimeoutSeconds + 30) * 1000,
                });
                if (held)
                    guard.onCancel(held.release);
                try {
                    if (o.localSnapshot !== false)
                        await (0,physical/* sweepSnapshots */.o7)(host, container, logger);
                    guard.arm();
                    await logger.group(`stop ${container} (grace ${o.stopTimeoutSeconds} s)`, () => guard.track(copy.stop()));
                    if (o.localSnapshot !== false) {
                        snapshot = await logger.group(`local snapshot of ${container}:${persistPath} on the host`, () => (0,physical/* takeLocalSnapshot */.nl)(host, container, persistPath, id, logger));
                    }
                    if (snapshot) {
                        // Chroma is back before a single byte leaves the host.
                        downtimeMs = await copy.restart();
                        guard.disarm();
                        logger.info(`downtime ${(downtimeMs / 1000).toFixed(2)} s, of which the local copy ${(snapshot.copyMs / 1000).toFixed(2)} s; streaming the snapshot now`);
                    }
                    archive = await logger.group(snapshot ? 'stream the snapshot to the store' : 'stream the persist dir to the store', async () => {
                        const producer = snapshot ? snapshot.copyOut : physical/* commands */.Pi.copyOut(container, persistPath);
                        const onHost = compression === 'zstd' &&
                            !o.legacyFormat &&
                            o.hostCompression === true &&
                            (await canCompressOnHost(host));
                        logger.info(onHost ? `zstd runs on ${host.label}` : 'zstd runs on this machine');
                        const { stdout, done } = await host.execStream(onHost ? compressedOnHost(producer) : producer, {
                            where: `${host.label}: docker cp`,
                        });
                        // Without a snapshot: restart Chroma as soon as the copy has been read, not when S3 has it all.
                        const restarted = snapshot
                            ? Promise.resolve()
                            : done.then(async () => {
                                downtimeMs = await copy.restart();
                                guard.disarm();
                            });
                        restarted.catch(() => { });
                        const stored = await (onHost ? streamCompressedToStore : pipeline/* streamToStore */.Lx)(store, {
                            source: stdout,
                            producerDone: done,
                            inspector: new tar_index/* TarIndex */.G(),
                            ...sealing,
                            key: objectKey('archive'),
                            partSize,
                            minBytes: o.minSizeBytes,
                            maxBytes: o.maxSizeBytes,
                            what: `archive of ${container}:${persistPath}`,
                            logger,
                        });
                        await restarted;
                        return stored;
                    });
                }
                finally {
                    if (downtimeMs === undefined) {
                        downtimeMs = await copy.restart().catch((err) => {
                            logger.error(`could not restart ${container}: ${err.message}`);
                            return undefined;
                        });
                    }
                    if (downtimeMs !== undefined)
                        guard.disarm();
                    await snapshot?.remove();
                }
                manifestBase = {
                    chroma: { version, source: `${host.label}:${container}`, persistPath, collections },
                    fuzzy: false,
                    drift: [],
                    archive,
                    downtimeMs,
                    snapshotCopyMs: snapshot?.copyMs,
                };
            }
            else {
                const exp = (0,logical/* exportStream */.xh)(api, version, { pageSize: o.pageSize, logger });
                const archive = await logger.group('export through the API to the store', () => (0,pipeline/* streamToStore */.Lx)(store, {
                    source: exp.stream,
                    producerDone: exp.done,
                    inspector: new logical/* NdjsonIndex */.JX(),
                    ...sealing,
                    key: objectKey('archive'),
                    partSize,
                    minBytes: o.minSizeBytes,
                    maxBytes: o.maxSizeBytes,
                    what: `logical export of ${api.url}`,
                    logger,
                }));
                const drifted = exp.stats.filter((s) => s.before !== s.after || s.exported !== s.before || s.changed > 0);
                const drift = drifted.map(({ ids: _ids, changed: _changed, ...s }) => s);
                if (drift.length && o.onDrift === 'fail') {
                    throw new core_errors.UserError('logical export', `data changed while it was exported (${drifted.map((d) => `${d.collection}: ${d.before} before, ${d.exported} exported, ${d.after} after, ${d.changed} record(s) changed`).join('; ')}): the export is not a consistent snapshot`, 'run it when writes pause, use mode: physical, or set on-drift: fuzzy to keep it marked as fuzzy');
                }
                const infos = await api.collections();
                const collections = exp.stats.map((s) => ({
                    name: s.collection,
                    count: s.exported,
                    dimension: infos.find((c) => c.name === s.collection)?.dimension ?? null,
                    idsSha256: (0,chroma_api/* idSetDigest */.Ir)([...new Set(s.ids)]),
                    sampleIds: (0,chroma_api/* pickSamples */.ry)([...new Set(s.ids)], 5),
                    metadata: infos.find((c) => c.name === s.collection)?.metadata ?? null,
                }));
                if (drift.length)
                    logger.warn(`the export is fuzzy: ${drift.length} collection(s) changed while exported`);
                manifestBase = {
                    chroma: {
                        version,
                        source: api.url.startsWith('http://127.0.0.1:') && tunnelled
                            ? `${host.label}:${o.source.container}`
                            : api.url,
                        collections,
                    },
                    fuzzy: drift.length > 0,
                    drift,
                    archive,
                };
            }
        }
        finally {
            await tunnelled?.tunnel.close();
        }
        let config;
        if (o.configPath && host) {
            const dir = o.configPath;
            if (!/^\/[A-Za-z0-9_./-]+$/.test(dir) || dir.split('/').includes('..'))
                throw new core_errors.UserError('config-path', `${JSON.stringify(dir)} is not an absolute path`, 'use the deploy root, e.g. /srv/ragship/production');
            config = await logger.group(`app config ${dir}`, async () => {
                const { stdout, done } = await host.execStream(['tar', '-C', dir, '-cf', '-', '.'], {
                    where: `${host.label}: tar ${dir}`,
                });
                return (0,pipeline/* streamToStore */.Lx)(store, {
                    source: stdout,
                    producerDone: done,
                    inspector: new tar_index/* TarIndex */.G(),
                    ...sealing,
                    key: objectKey('config'),
                    partSize: (0,backup_store/* partSizeFor */.oV)(1024 ** 3),
                    minBytes: 1024,
                    maxBytes: 1024 ** 3,
                    what: `app config ${dir}`,
                    logger,
                });
            });
        }
        const manifest = {
            format: o.legacyFormat ? 'ragship-backup/1' : backup_manifest/* MANIFEST_FORMAT */.Sn,
            id,
            environment: o.environment,
            mode: o.mode,
            createdAt: new Date(started).toISOString(),
            completedAt: new Date().toISOString(),
            ...manifestBase,
            config,
            durationMs: Date.now() - started,
            ragship: VERSION,
        };
        if (guard?.cancelled)
            throw new core_errors.UserError('backup', 'was cancelled', 'nothing was committed; run the backup again');
        // The commit marker: written only after every byte above is stored.
        const manifestKey = store.key(backup_manifest/* keys */.HP.manifest(id));
        await store.putJson(manifestKey, manifest);
        const mbPerSecond = manifest.archive.plainBytes / 1e6 / (manifest.durationMs / 1000);
        logger.info(`backup ${id} committed: ${manifest.archive.files.length} files, ${(manifest.archive.plainBytes / 1e6).toFixed(1)} MB → ${(manifest.archive.storedBytes / 1e6).toFixed(1)} MB stored, ${mbPerSecond.toFixed(1)} MB/s`);
        return { manifest, manifestKey, mbPerSecond, orphansAborted };
    }
    finally {
        if (guard?.cancelled)
            await guard.exiting;
        guard?.disarm(false);
        await held?.release();
        if (!hostOverride)
            host?.close();
    }
}


/***/ }),

/***/ 8927:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ir: () => (/* binding */ idSetDigest),
/* harmony export */   Ro: () => (/* binding */ ChromaApi),
/* harmony export */   Zy: () => (/* binding */ compareVersions),
/* harmony export */   ry: () => (/* binding */ pickSamples)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4296);


class ChromaApi {
    url;
    tenant;
    database;
    timeoutMs;
    base;
    constructor(url, tenant = 'default_tenant', database = 'default_database', timeoutMs = 60_000) {
        this.url = url;
        this.tenant = tenant;
        this.database = database;
        this.timeoutMs = timeoutMs;
        this.base = url.replace(/\/+$/, '');
    }
    async call(method, path, body) {
        let res;
        try {
            res = await fetch(`${this.base}${path}`, {
                method,
                headers: body === undefined ? undefined : { 'content-type': 'application/json' },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(this.timeoutMs),
            });
        }
        catch (err) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__.UserError(`Chroma at ${this.base}`, `is not reachable (${err.message})`, 'check that Chroma is running and the URL');
        }
        const text = await res.text();
        if (!res.ok)
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__.UserError(`Chroma at ${this.base}`, `${method} ${path.split('?')[0]} answered HTTP ${res.status}: ${text.slice(0, 300)}`, 'check the Chroma server log');
        return (text ? JSON.parse(text) : undefined);
    }
    get db() {
        return `/api/v2/tenants/${encodeURIComponent(this.tenant)}/databases/${encodeURIComponent(this.database)}`;
    }
    async heartbeat() {
        try {
            const r = await fetch(`${this.base}/api/v2/heartbeat`, { signal: AbortSignal.timeout(2000) });
            return r.ok;
        }
        catch {
            return false;
        }
    }
    /** Polls the heartbeat until it answers; returns the milliseconds waited. */
    async waitHealthy(timeoutMs) {
        const started = Date.now();
        while (Date.now() - started < timeoutMs) {
            if (await this.heartbeat())
                return Date.now() - started;
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__.UserError(`Chroma at ${this.base}`, `did not answer its heartbeat within ${Math.round(timeoutMs / 1000)} s`, 'check the container log (docker logs)');
    }
    version() {
        return this.call('GET', '/api/v2/version');
    }
    async maxBatchSize() {
        const r = await this.call('GET', '/api/v2/pre-flight-checks');
        return r.max_batch_size ?? 1000;
    }
    async collections() {
        const out = [];
        for (let offset = 0;; offset += 100) {
            const page = await this.call('GET', `${this.db}/collections?limit=100&offset=${offset}`);
            out.push(...page);
            if (page.length < 100)
                break;
        }
        return out.sort((a, b) => (a.name < b.name ? -1 : 1));
    }
    async collection(name) {
        return (await this.collections()).find((c) => c.name === name);
    }
    createCollection(name, metadata, configuration) {
        const body = {
            name,
            metadata: metadata && Object.keys(metadata).length ? metadata : undefined,
            get_or_create: false,
        };
        if (configuration)
            body.configuration = configuration;
        return this.call('POST', `${this.db}/collections`, body);
    }
    count(id) {
        return this.call('GET', `${this.db}/collections/${id}/count`);
    }
    get(id, options) {
        return this.call('POST', `${this.db}/collections/${id}/get`, options);
    }
    add(id, records) {
        return this.call('POST', `${this.db}/collections/${id}/add`, records);
    }
    query(id, embeddings, n) {
        return this.call('POST', `${this.db}/collections/${id}/query`, {
            query_embeddings: embeddings,
            n_results: n,
            include: ['distances'],
        });
    }
    /** Every id of a collection, paged (Chroma's get has no auto-paging). */
    async allIds(id, page = 5000) {
        const ids = [];
        for (let offset = 0;; offset += page) {
            const r = await this.get(id, { limit: page, offset, include: [] });
            ids.push(...r.ids);
            if (r.ids.length < page)
                break;
        }
        return ids;
    }
    /** Collections, counts, id-set digests and sample ids: the manifest's view of the data. */
    async summarize(samplesPerCollection = 5) {
        const out = [];
        for (const c of await this.collections()) {
            const ids = await this.allIds(c.id);
            out.push({
                name: c.name,
                count: ids.length,
                dimension: c.dimension ?? null,
                idsSha256: idSetDigest(ids),
                sampleIds: pickSamples(ids, samplesPerCollection),
                metadata: c.metadata ?? null,
            });
        }
        return out;
    }
}
function idSetDigest(ids) {
    const h = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    for (const id of [...ids].sort())
        h.update(`${id}\n`);
    return h.digest('hex');
}
/** Evenly spread, deterministic samples (first, last and in between). */
function pickSamples(ids, n) {
    const sorted = [...ids].sort();
    if (sorted.length <= n)
        return sorted;
    const out = [];
    for (let i = 0; i < n; i++)
        out.push(sorted[Math.floor((i * (sorted.length - 1)) / Math.max(1, n - 1))]);
    return [...new Set(out)];
}
/** Compares dotted versions numerically: <0 if a is older than b. */
function compareVersions(a, b) {
    const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
    const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d)
            return d;
    }
    return 0;
}


/***/ }),

/***/ 4920:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E$: () => (/* binding */ defaultCompression),
/* harmony export */   e: () => (/* binding */ compressor),
/* harmony export */   i: () => (/* binding */ haveZstd),
/* harmony export */   ni: () => (/* binding */ decompressor)
/* harmony export */ });
/* unused harmony export ProcessDuplex */
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1421);
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_child_process__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(4296);




/**
 * A child process as a Duplex: bytes written go to its stdin, its stdout is read; a non-zero
 * exit (or a missing binary) errors the stream. Backpressure both ways; the process is only
 * killed when the stream is destroyed with an error.
 */
class ProcessDuplex extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Duplex {
    what;
    missingFix;
    child;
    stderr = '';
    exited = false;
    constructor(argv, what, missingFix) {
        super();
        this.what = what;
        this.missingFix = missingFix;
        this.child = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawn)(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
        const child = this.child;
        child.stderr.on('data', (c) => {
            if (this.stderr.length < 4000)
                this.stderr += c.toString();
        });
        child.stdout.on('data', (c) => {
            if (!this.push(c))
                child.stdout.pause();
        });
        // EPIPE when the process died: its exit status reports why.
        child.stdin.on('error', () => { });
        child.on('error', (err) => {
            this.exited = true;
            this.destroy(err.code === 'ENOENT'
                ? new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError(this.what, `needs \`${argv[0]}\`, which is not installed here`, this.missingFix)
                : err);
        });
        child.on('close', (code, signal) => {
            this.exited = true;
            if (code === 0)
                this.push(null);
            else
                this.destroy(new Error(`${this.what}: \`${argv.join(' ')}\` exited with ${signal ?? code}${this.stderr ? `: ${this.stderr.trim().slice(-500)}` : ''}`));
        });
    }
    _read() {
        this.child.stdout.resume();
    }
    _write(chunk, _e, cb) {
        if (this.child.stdin.write(chunk))
            cb();
        else
            this.child.stdin.once('drain', () => cb());
    }
    _final(cb) {
        this.child.stdin.end();
        cb();
    }
    _destroy(err, cb) {
        if (!this.exited)
            this.child.kill('SIGKILL');
        cb(err);
    }
}
let zstdFound;
/** Whether this machine has the zstd CLI (checked once). */
function haveZstd() {
    zstdFound ??= (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawnSync)('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
    return zstdFound;
}
/** zstd when the CLI is here, else gzip (Node's zlib). */
function defaultCompression() {
    return haveZstd() ? 'zstd' : 'gzip';
}
const ZSTD_FIX = 'install zstd (`apt-get install zstd`), or set compression to gzip';
/**
 * Compressor for `kind`. zstd runs as a child process (its own threads: compression never
 * runs on Node's event loop); gzip uses zlib's thread pool. `zstd -d` / `gzip -d` undo them
 * without flags.
 */
function compressor(kind, level) {
    if (kind === 'zstd')
        return new ProcessDuplex(['zstd', `-${level ?? 3}`, '-T0', '-q', '-c', '-'], 'zstd compression', ZSTD_FIX);
    return (0,node_zlib__WEBPACK_IMPORTED_MODULE_2__.createGzip)({ level: level ?? 6 });
}
function decompressor(kind) {
    if (kind === 'zstd')
        return new ProcessDuplex(['zstd', '-d', '-q', '-c', '-'], 'zstd decompression', 'install zstd (`apt-get install zstd`) to read zstd-compressed backups');
    return (0,node_zlib__WEBPACK_IMPORTED_MODULE_2__.createGunzip)();
}


/***/ }),

/***/ 674:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   CJ: () => (/* binding */ EncryptStream),
/* harmony export */   e7: () => (/* binding */ DecryptStream),
/* harmony export */   jm: () => (/* binding */ assertPassphrase)
/* harmony export */ });
/* unused harmony exports MAGIC, HEADER_BYTES, TAG_BYTES, DEFAULT_CHUNK, DEFAULT_KDF */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4296);



/**
 * The encrypted object format (version 1). Every byte of a backup object is covered by
 * AES-256-GCM tags; the key never leaves the runner.
 *
 *   header (48 bytes, also the AAD of every chunk):
 *     0  8  magic "RAGSHIPB"
 *     8  1  format version (1)
 *     9  1  scrypt log2(N)   10 1 scrypt r   11 1 scrypt p
 *     12 4  plaintext chunk size (u32 BE)
 *     16 16 random salt (scrypt)
 *     32 8  random nonce prefix
 *     40 8  key check: first 8 bytes of HKDF(master, "ragship-backup v1 key-check")
 *   then chunks: AES-256-GCM(ciphertext of ≤ chunk size plaintext bytes) ‖ 16-byte tag,
 *     nonce = prefix(8) ‖ counter(u32 BE), AAD = header ‖ final flag (1 byte: 1 on the last chunk).
 *   Every chunk but the last carries exactly `chunk size` plaintext bytes; the last carries
 *   0…chunk size and the final flag, so a truncated object fails authentication (the
 *   "STREAM" construction of Hoang–Reyhanitabar–Rogaway–Vizár).
 *
 *   master key = scrypt(passphrase, salt, N, r, p, 32); data key = HKDF-SHA256(master, salt,
 *   "ragship-backup v1 data", 32).
 */
const MAGIC = Buffer.from('RAGSHIPB');
const HEADER_BYTES = 48;
const TAG_BYTES = 16;
const DEFAULT_CHUNK = 1024 * 1024;
const VERSION = 1;
/** scrypt N=2^15, r=8, p=1: ~32 MiB of memory, ~0.1 s — once per object. */
const DEFAULT_KDF = { logN: 15, r: 8, p: 1 };
function deriveKeys(passphrase, salt, kdf) {
    const N = 2 ** kdf.logN;
    const master = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.scryptSync)(passphrase.normalize('NFC'), salt, 32, {
        N,
        r: kdf.r,
        p: kdf.p,
        maxmem: 256 * N * kdf.r + 16 * 1024 * 1024,
    });
    const data = Buffer.from((0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.hkdfSync)('sha256', master, salt, 'ragship-backup v1 data', 32));
    const check = Buffer.from((0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.hkdfSync)('sha256', master, salt, 'ragship-backup v1 key-check', 8));
    return { data, check };
}
function assertPassphrase(passphrase, where) {
    if (!passphrase || passphrase.length < 16) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__.UserError(where, 'the encryption passphrase is missing or shorter than 16 characters', 'store a long random passphrase (e.g. `openssl rand -base64 32`) as a secret and pass it');
    }
}
function nonce(prefix, counter) {
    const n = Buffer.alloc(12);
    prefix.copy(n, 0, 0, 8);
    n.writeUInt32BE(counter, 8);
    return n;
}
/** Plaintext in, format-v1 object out. */
class EncryptStream extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    header;
    key;
    prefix;
    pending = [];
    pendingBytes = 0;
    counter = 0;
    constructor(passphrase, options = {}) {
        super();
        const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
        const kdf = options.kdf ?? DEFAULT_KDF;
        const salt = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(16);
        this.prefix = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(8);
        const keys = deriveKeys(passphrase, salt, kdf);
        this.key = keys.data;
        const h = Buffer.alloc(HEADER_BYTES);
        MAGIC.copy(h, 0);
        h[8] = VERSION;
        h[9] = kdf.logN;
        h[10] = kdf.r;
        h[11] = kdf.p;
        h.writeUInt32BE(chunkSize, 12);
        salt.copy(h, 16);
        this.prefix.copy(h, 32);
        keys.check.copy(h, 40);
        this.header = h;
        this.push(h);
    }
    get chunkSize() {
        return this.header.readUInt32BE(12);
    }
    seal(plain, final) {
        if (this.counter >= 0xffffffff)
            throw new Error('too many chunks for one nonce prefix');
        const c = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createCipheriv)('aes-256-gcm', this.key, nonce(this.prefix, this.counter++));
        c.setAAD(Buffer.concat([this.header, Buffer.from([final ? 1 : 0])]));
        return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    }
    _transform(chunk, _enc, cb) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        // Keep at least one byte back: the last chunk must be sealed with the final flag.
        while (this.pendingBytes > this.chunkSize) {
            const all = Buffer.concat(this.pending);
            this.push(this.seal(all.subarray(0, this.chunkSize), false));
            const rest = all.subarray(this.chunkSize);
            this.pending = [rest];
            this.pendingBytes = rest.length;
        }
        cb();
    }
    _flush(cb) {
        this.push(this.seal(Buffer.concat(this.pending), true));
        cb();
    }
}
/** Format-v1 object in, plaintext out; any tampering, truncation or wrong key is an error. */
class DecryptStream extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    passphrase;
    where;
    header;
    key;
    prefix;
    chunkSize = 0;
    buf = Buffer.alloc(0);
    counter = 0;
    finished = false;
    constructor(passphrase, where = 'backup archive') {
        super();
        this.passphrase = passphrase;
        this.where = where;
    }
    fail(problem, fix) {
        return new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__.UserError(this.where, problem, fix);
    }
    open(sealed, final) {
        const d = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createDecipheriv)('aes-256-gcm', this.key, nonce(this.prefix, this.counter++));
        d.setAAD(Buffer.concat([this.header, Buffer.from([final ? 1 : 0])]));
        d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        try {
            return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
        }
        catch {
            throw final
                ? this.fail(`chunk ${this.counter - 1} fails authentication: the archive is truncated or corrupted`, 'use another backup; this one cannot be trusted')
                : this.fail(`chunk ${this.counter - 1} fails authentication: the archive was modified or corrupted`, 'use another backup; this one cannot be trusted');
        }
    }
    _transform(chunk, _enc, cb) {
        try {
            this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
            if (!this.header) {
                if (this.buf.length < HEADER_BYTES) {
                    cb();
                    return;
                }
                const h = Buffer.from(this.buf.subarray(0, HEADER_BYTES));
                if (!h.subarray(0, 8).equals(MAGIC))
                    throw this.fail('is not a ragship backup object (bad magic bytes)', 'check the object key and that it was written by ragship');
                if (h[8] !== VERSION)
                    throw this.fail(`has format version ${h[8]}, this ragship reads version ${VERSION}`, 'restore with a matching ragship version');
                const kdf = { logN: h[9], r: h[10], p: h[11] };
                if (kdf.logN < 10 || kdf.logN > 22 || kdf.r < 1 || kdf.r > 32 || kdf.p < 1 || kdf.p > 16)
                    throw this.fail('has implausible key-derivation parameters', 'the header is corrupted');
                this.chunkSize = h.readUInt32BE(12);
                if (this.chunkSize < 1024 || this.chunkSize > 64 * 1024 * 1024)
                    throw this.fail('has an implausible chunk size', 'the header is corrupted');
                const keys = deriveKeys(this.passphrase, h.subarray(16, 32), kdf);
                if (!(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.timingSafeEqual)(keys.check, h.subarray(40, 48))) {
                    throw this.fail('cannot be decrypted with this passphrase (key check failed)', 'pass the encryption passphrase the backup was made with');
                }
                this.header = h;
                this.key = keys.data;
                this.prefix = h.subarray(32, 40);
                this.buf = this.buf.subarray(HEADER_BYTES);
            }
            const sealedSize = this.chunkSize + TAG_BYTES;
            // A full chunk is only known to be non-final once at least one more byte follows it.
            while (this.buf.length > sealedSize) {
                this.push(this.open(this.buf.subarray(0, sealedSize), false));
                this.buf = this.buf.subarray(sealedSize);
            }
            cb();
        }
        catch (err) {
            cb(err);
        }
    }
    _flush(cb) {
        try {
            if (!this.header)
                throw this.fail(`is ${this.buf.length} bytes long, shorter than its header: it is empty or truncated`, 'use another backup; this one is unusable');
            if (this.buf.length < TAG_BYTES)
                throw this.fail('ends in the middle of a chunk: it is truncated', 'use another backup; this one is unusable');
            this.push(this.open(this.buf, true));
            this.finished = true;
            cb();
        }
        catch (err) {
            cb(err);
        }
    }
    get complete() {
        return this.finished;
    }
}


/***/ }),

/***/ 4553:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   JX: () => (/* binding */ NdjsonIndex),
/* harmony export */   ew: () => (/* binding */ importNdjson),
/* harmony export */   xh: () => (/* binding */ exportStream)
/* harmony export */ });
/* unused harmony export batches */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6193);
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_string_decoder__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(4296);




/** JSON with object keys sorted: Chroma returns a metadata's keys in no fixed order. */
function canonical(v) {
    if (Array.isArray(v))
        return v.map(canonical);
    if (v && typeof v === 'object')
        return Object.fromEntries(Object.keys(v)
            .sort()
            .map((k) => [k, canonical(v[k])]));
    return v;
}
/** One record's content, as exported: id, embedding, document and metadata. */
function recordDigest(page, i) {
    return (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256')
        .update(JSON.stringify([
        page.ids[i],
        page.embeddings?.[i] ?? null,
        page.documents?.[i] ?? null,
        canonical(page.metadatas?.[i] ?? null),
    ]))
        .digest('base64')
        .slice(0, 22);
}
/** Counts the records whose content differs from `exported` (id → digest) on a second read. */
async function changedSince(api, collectionId, exported, pageSize) {
    let changed = 0;
    const seen = new Set();
    for (let offset = 0;; offset += pageSize) {
        const page = await api.get(collectionId, {
            limit: pageSize,
            offset,
            include: ['embeddings', 'documents', 'metadatas'],
        });
        for (let i = 0; i < page.ids.length; i++) {
            const id = page.ids[i];
            seen.add(id);
            if (exported.get(id) !== recordDigest(page, i))
                changed++;
        }
        if (page.ids.length < pageSize)
            break;
    }
    for (const id of exported.keys())
        if (!seen.has(id))
            changed++;
    return changed;
}
function exportStream(api, version, options) {
    const stats = [];
    let resolveDone;
    let rejectDone;
    const done = new Promise((res, rej) => {
        resolveDone = res;
        rejectDone = rej;
    });
    done.catch(() => { });
    async function* lines() {
        try {
            yield `${JSON.stringify({ kind: 'ragship-logical', version: 1, chroma: version })}\n`;
            for (const c of await api.collections()) {
                const before = await api.count(c.id);
                yield `${JSON.stringify({ kind: 'collection', name: c.name, metadata: c.metadata ?? null, configuration: c.configuration_json ?? null, count: before })}\n`;
                const ids = [];
                const digests = new Map();
                for (let offset = 0;; offset += options.pageSize) {
                    const page = await api.get(c.id, {
                        limit: options.pageSize,
                        offset,
                        include: ['embeddings', 'documents', 'metadatas'],
                    });
                    if (page.ids.length === 0)
                        break;
                    ids.push(...page.ids);
                    for (let i = 0; i < page.ids.length; i++)
                        digests.set(page.ids[i], recordDigest(page, i));
                    yield `${JSON.stringify({ kind: 'records', collection: c.name, ids: page.ids, embeddings: page.embeddings, documents: page.documents, metadatas: page.metadatas })}\n`;
                    if (page.ids.length < options.pageSize)
                        break;
                }
                const after = await api.count(c.id);
                const unique = new Set(ids).size;
                const changed = await changedSince(api, c.id, digests, options.pageSize);
                stats.push({ collection: c.name, before, exported: unique, after, ids, changed });
                yield `${JSON.stringify({ kind: 'end', collection: c.name, exported: unique })}\n`;
                options.logger.info(`exported ${c.name}: ${unique} records (count before ${before}, after ${after}; ${changed} changed since read)`);
            }
            resolveDone();
        }
        catch (err) {
            rejectDone(err);
            throw err;
        }
    }
    return { stream: node_stream__WEBPACK_IMPORTED_MODULE_1__.Readable.from(lines(), { objectMode: false }), stats, done };
}
/** Splits NDJSON lines as they pass and hashes each collection's lines: the manifest's "files". */
class NdjsonIndex extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    buf = '';
    /** Keeps a multi-byte character split across two chunks whole (toString per chunk breaks it). */
    decoder = new node_string_decoder__WEBPACK_IMPORTED_MODULE_2__.StringDecoder('utf8');
    current;
    entries = [];
    files = () => this.entries;
    _transform(chunk, _e, cb) {
        const text = this.buf + this.decoder.write(chunk);
        const parts = text.split('\n');
        this.buf = parts.pop() ?? '';
        for (const line of parts)
            this.line(line);
        cb(null, chunk);
    }
    line(line) {
        if (!line)
            return;
        const kind = /^\{"kind":"([a-z-]+)"/.exec(line)?.[1];
        if (kind === 'collection') {
            this.current = {
                name: JSON.parse(line).name,
                hash: (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256'),
                bytes: 0,
            };
        }
        if (this.current) {
            this.current.hash.update(`${line}\n`);
            this.current.bytes += Buffer.byteLength(line) + 1;
        }
        if (kind === 'end' && this.current) {
            this.entries.push({
                path: `collections/${this.current.name}.ndjson`,
                bytes: this.current.bytes,
                sha256: this.current.hash.digest('hex'),
            });
            this.current = undefined;
        }
    }
    _flush(cb) {
        this.buf += this.decoder.end();
        if (this.buf)
            this.line(this.buf);
        cb();
    }
}
/**
 * Reads a logical export and re-creates its collections through the API, in batches under
 * both max_batch_size and the server's 40 MB body cap.
 */
async function importNdjson(api, input, logger) {
    // Take the iterator before any await: readline drops lines emitted before it is iterated.
    const it = input[Symbol.asyncIterator]();
    const maxBatch = await api.maxBatchSize();
    const counts = new Map();
    const ids = new Map();
    for await (const line of { [Symbol.asyncIterator]: () => it }) {
        if (!line)
            continue;
        const rec = JSON.parse(line);
        if (rec.kind === 'collection') {
            const name = rec.name;
            if (await api.collection(name))
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError(`collection ${name}`, 'already exists in the target', 'restore into an empty Chroma');
            ids.set(name, await api.createCollection(name, rec.metadata, hnswOnly(rec.configuration)));
            counts.set(name, 0);
        }
        else if (rec.kind === 'records') {
            const name = rec.collection;
            const c = ids.get(name);
            if (!c)
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_3__.UserError('logical export', `records of ${name} come before its collection line`, 'the export is corrupted');
            for (const batch of batches(rec, maxBatch, 32 * 1024 * 1024)) {
                await api.add(c.id, batch);
                counts.set(name, (counts.get(name) ?? 0) + batch.ids.length);
            }
        }
    }
    logger.info(`imported ${[...counts.values()].reduce((a, b) => a + b, 0)} records into ${counts.size} collections`);
    return counts;
}
function hnswOnly(configuration) {
    const hnsw = configuration?.hnsw;
    return hnsw ? { hnsw } : undefined;
}
function* batches(r, maxCount, maxBytes) {
    let start = 0;
    while (start < r.ids.length) {
        let end = start;
        let bytes = 0;
        while (end < r.ids.length && end - start < maxCount) {
            const size = JSON.stringify([
                r.ids[end],
                r.embeddings?.[end],
                r.documents?.[end],
                r.metadatas?.[end],
            ]).length;
            if (end > start && bytes + size > maxBytes)
                break;
            bytes += size;
            end++;
        }
        yield {
            ids: r.ids.slice(start, end),
            embeddings: r.embeddings?.slice(start, end),
            documents: r.documents?.slice(start, end),
            metadatas: r.metadatas?.slice(start, end),
        };
        start = end;
    }
}


/***/ }),

/***/ 6345:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   HP: () => (/* binding */ keys),
/* harmony export */   Hr: () => (/* binding */ BACKUP_ID),
/* harmony export */   Ng: () => (/* binding */ parseManifest),
/* harmony export */   Sn: () => (/* binding */ MANIFEST_FORMAT),
/* harmony export */   _H: () => (/* binding */ newBackupId),
/* harmony export */   a3: () => (/* binding */ backupTime),
/* harmony export */   it: () => (/* binding */ LEGACY_ENCRYPTION)
/* harmony export */ });
/* unused harmony exports READABLE_FORMATS, manifestSchema */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8816);


/**
 * Object layout under the store prefix (one folder per backup):
 *
 *   backups/<id>/archive.tar.zst.age    the data: tar (physical; .ndjson for logical) → zstd
 *                                       (or .gz) → age: `age -d | zstd -d | tar -x` restores it
 *   backups/<id>/config.tar.zst.age     optional app config (compose files, nginx, release log)
 *   backups/<id>/manifest.json          written LAST: the commit marker; without it the backup
 *                                       does not exist
 *   backups/<id>/verified.json          written by a passing verify; retention only counts these
 *
 * Manifest format 1 (ragship ≤ 0.x before issue 21) stored `archive.bin` / `config.bin` in the
 * ragship-only "RAGSHIPB" format (gzip → AES-256-GCM); those backups still restore.
 *
 * Backup ids sort by time: 20261127T140102Z-1a2b3c.
 */
const MANIFEST_FORMAT = 'ragship-backup/2';
/** Manifest formats this version reads. */
const READABLE_FORMATS = ['ragship-backup/1', 'ragship-backup/2'];
const BACKUP_ID = /^[0-9]{8}T[0-9]{6}Z-[a-f0-9]{6}$/;
function newBackupId(now = new Date()) {
    const stamp = now
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    return `${stamp}-${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(3).toString('hex')}`;
}
function backupTime(id) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
    if (!m)
        return new Date(Number.NaN);
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}
const keys = {
    dir: (id) => `backups/${id}`,
    /** The object of the data: `archive.tar.zst.age`, `archive.ndjson.gz.age`, … */
    archive: (id, mode = 'physical', compression = 'zstd') => `backups/${id}/archive.${mode === 'physical' ? 'tar' : 'ndjson'}.${compression === 'zstd' ? 'zst' : 'gz'}.age`,
    config: (id, compression = 'zstd') => `backups/${id}/config.tar.${compression === 'zstd' ? 'zst' : 'gz'}.age`,
    /** Format-1 (RAGSHIPB) object names, read path only. */
    legacyArchive: (id) => `backups/${id}/archive.bin`,
    legacyConfig: (id) => `backups/${id}/config.bin`,
    manifest: (id) => `backups/${id}/manifest.json`,
    verified: (id) => `backups/${id}/verified.json`,
};
const LEGACY_ENCRYPTION = 'ragship-stream-v1/aes-256-gcm/scrypt';
const collectionSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    name: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    count: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().nonnegative(),
    dimension: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().nullable(),
    idsSha256: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(/^[a-f0-9]{64}$/),
    sampleIds: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP()),
    metadata: zod__WEBPACK_IMPORTED_MODULE_1__/* .record */ .g1P(zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), zod__WEBPACK_IMPORTED_MODULE_1__/* .unknown */ .L5J()).nullable(),
});
const fileSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    path: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    bytes: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().nonnegative(),
    sha256: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(/^[a-f0-9]{64}$/),
});
const objectSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    key: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    storedBytes: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().positive(),
    storedSha256: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(/^[a-f0-9]{64}$/),
    plainBytes: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().nonnegative(),
    plainSha256: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(/^[a-f0-9]{64}$/),
    compression: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['zstd', 'gzip']),
    encryption: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['age/scrypt', 'age/x25519', LEGACY_ENCRYPTION]),
    partSize: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().positive(),
    parts: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().int().positive(),
    files: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(fileSchema),
});
const manifestSchema = zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
    format: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(READABLE_FORMATS),
    id: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().regex(BACKUP_ID),
    environment: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    mode: zod__WEBPACK_IMPORTED_MODULE_1__/* ["enum"] */ .k5n(['physical', 'logical']),
    createdAt: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    completedAt: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
    fuzzy: zod__WEBPACK_IMPORTED_MODULE_1__/* .boolean */ .zMY(),
    drift: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({ collection: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(), before: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig(), exported: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig(), after: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig() })),
    chroma: zod__WEBPACK_IMPORTED_MODULE_1__/* .object */ .Ikc({
        version: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        source: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
        persistPath: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP().optional(),
        collections: zod__WEBPACK_IMPORTED_MODULE_1__/* .array */ .YOg(collectionSchema),
    }),
    archive: objectSchema,
    config: objectSchema.optional(),
    downtimeMs: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().optional(),
    snapshotCopyMs: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig().optional(),
    durationMs: zod__WEBPACK_IMPORTED_MODULE_1__/* .number */ .aig(),
    ragship: zod__WEBPACK_IMPORTED_MODULE_1__/* .string */ .YjP(),
});
function parseManifest(value, where) {
    const format = value?.format;
    if (typeof format === 'string' && !READABLE_FORMATS.includes(format))
        throw new Error(`${where}: manifest format ${JSON.stringify(format)} is newer than this ragship reads (${READABLE_FORMATS.join(', ')}): restore it with the ragship version that wrote it (manifest field "ragship") or newer`);
    const r = manifestSchema.safeParse(value);
    if (!r.success)
        throw new Error(`${where}: not a valid ragship manifest: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
    return r.data;
}


/***/ }),

/***/ 3003:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  iT: () => (/* binding */ checkContainer),
  MI: () => (/* binding */ checkPersistPath),
  Ai: () => (/* binding */ coldCopy),
  Pi: () => (/* binding */ commands),
  bX: () => (/* binding */ containerState),
  Rc: () => (/* binding */ onMount),
  o7: () => (/* binding */ sweepSnapshots),
  nl: () => (/* binding */ takeLocalSnapshot),
  ti: () => (/* binding */ tunnelToContainer)
});

// UNUSED EXPORTS: CONTAINER, PERSIST_PATH, SNAPSHOT_LABEL

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/backup/chroma-api.ts
var chroma_api = __webpack_require__(8927);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/backup/tunnel.ts

async function openTunnel(host, targetHost, targetPort) {
    const server = (0,external_node_net_.createServer)((socket) => {
        host.forward(targetHost, targetPort).then((stream) => {
            socket.pipe(stream).pipe(socket);
            socket.on('error', () => stream.destroy());
            stream.on('error', () => socket.destroy());
            socket.on('close', () => stream.destroy());
        }, () => socket.destroy());
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((resolve) => {
            server.close(() => resolve());
            // Keep-alive sockets would hold close() open.
            server.closeAllConnections?.();
            setTimeout(resolve, 500).unref();
        }),
    };
}

;// CONCATENATED MODULE: ./src/backup/physical.ts




/** Container names as Docker accepts them (validated before any command is built). */
const CONTAINER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const PERSIST_PATH = /^\/[A-Za-z0-9_./-]{0,255}$/;
function checkContainer(name, where) {
    if (!CONTAINER.test(name))
        throw new errors.UserError(where, `${JSON.stringify(name)} is not a container name`, 'use the name shown by `docker ps`, e.g. app-chroma-1');
    return name;
}
function checkPersistPath(path, where) {
    if (!PERSIST_PATH.test(path) || path.split('/').includes('..'))
        throw new errors.UserError(where, `${JSON.stringify(path)} is not an absolute path inside the container`, 'use e.g. /data');
    return path.replace(/(.)\/+$/, '$1');
}
/** Command builders (data, tested without a host). */
const commands = {
    stop: (container, graceSeconds) => [
        'docker',
        'stop',
        '--time',
        String(graceSeconds),
        container,
    ],
    start: (container) => ['docker', 'start', container],
    state: (container) => ['docker', 'inspect', '--format', '{{json .State}}', container],
    ip: (container) => [
        'docker',
        'inspect',
        '--format',
        '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
        container,
    ],
    size: (container, path) => ['docker', 'exec', container, 'du', '-sb', path],
    /** `docker cp` streams a tar of a stopped container's path (volumes included). */
    copyOut: (container, path) => ['docker', 'cp', `${container}:${path}`, '-'],
    copyIn: (container, parent) => ['docker', 'cp', '-', `${container}:${parent}`],
    mounts: (container) => ['docker', 'inspect', '--format', '{{json .Mounts}}', container],
    imageId: (container) => ['docker', 'inspect', '--format', '{{.Image}}', container],
    /** A volume next to Docker's other volumes: same filesystem, so `cp --reflink` can share blocks. */
    snapshotVolume: (volume, container) => [
        'docker',
        'volume',
        'create',
        '--label',
        `${SNAPSHOT_LABEL}=${container}`,
        volume,
    ],
    /** Copies the persist dir of the stopped container into the snapshot volume, on the host. */
    snapshotCopy: (container, image, volume, path) => [
        'docker',
        'run',
        '--rm',
        '--network',
        'none',
        '--label',
        `${SNAPSHOT_LABEL}=${container}`,
        '--volumes-from',
        container,
        '-v',
        `${volume}:${SNAPSHOT_DIR}`,
        '--entrypoint',
        'cp',
        image,
        '-a',
        '--reflink=auto',
        path,
        `${SNAPSHOT_DIR}/`,
    ],
    /** A never-started container holding the snapshot volume, for `docker cp` to read from. */
    snapshotHolder: (holder, image, volume, container) => [
        'docker',
        'create',
        '--name',
        holder,
        '--network',
        'none',
        '--label',
        `${SNAPSHOT_LABEL}=${container}`,
        '-v',
        `${volume}:${SNAPSHOT_DIR}`,
        image,
    ],
    snapshotCopyOut: (holder, path) => [
        'docker',
        'cp',
        `${holder}:${SNAPSHOT_DIR}/${external_node_path_.posix.basename(path)}`,
        '-',
    ],
    snapshotLeftovers: (container, what) => what === 'container'
        ? ['docker', 'ps', '-a', '--filter', `label=${SNAPSHOT_LABEL}=${container}`, '--format', '{{.Names}}']
        : ['docker', 'volume', 'ls', '-q', '--filter', `label=${SNAPSHOT_LABEL}=${container}`],
    /** `-v`: the holder's anonymous volumes (an image's VOLUME lines) go with it. */
    removeContainers: (names) => ['docker', 'rm', '-f', '-v', ...names],
    removeVolumes: (names) => ['docker', 'volume', 'rm', '-f', ...names],
};
const SNAPSHOT_LABEL = 'ragship.backup-snapshot-of';
const SNAPSHOT_DIR = '/ragship-snapshot';
/** Whether `path` lies on a volume or bind mount of the container (what --volumes-from sees). */
function onMount(mounts, path) {
    return mounts.some((m) => m.Destination && (path === m.Destination || path.startsWith(`${m.Destination.replace(/\/$/, '')}/`)));
}
/**
 * Local snapshot of a STOPPED container's persist dir on its host: a copy into a fresh Docker
 * volume (`cp -a --reflink=auto`, so filesystems with reflinks — XFS, Btrfs — share blocks),
 * held by a never-started container. Chroma can restart as soon as this returns; the copy is
 * streamed afterwards. Undefined (with a warning) when the snapshot cannot be taken — the
 * persist dir is not on a mount, the image has no `cp`, the disk is full — and the caller
 * streams straight from the stopped container instead.
 */
async function takeLocalSnapshot(host, container, persistPath, id, logger) {
    if (persistPath === '/')
        return undefined;
    const name = `ragship-snapshot-${container}-${id}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
    let created = false;
    const remove = async () => {
        if (!created)
            return;
        await host.exec(commands.removeContainers([name]), { allowFailure: true });
        await host.exec(commands.removeVolumes([name]), { allowFailure: true });
    };
    try {
        const mounts = JSON.parse((await host.exec(commands.mounts(container))).stdout || '[]') ?? [];
        if (!onMount(mounts, persistPath)) {
            logger.warn(`${container}:${persistPath} is not on a volume or bind mount: no local snapshot, Chroma stays stopped while the archive streams`);
            return undefined;
        }
        const image = (await host.exec(commands.imageId(container))).stdout.trim();
        created = true;
        await host.exec(commands.snapshotVolume(name, container), { where: `${host.label}: snapshot volume` });
        const started = Date.now();
        await host.exec(commands.snapshotCopy(container, image, name, persistPath), {
            where: `${host.label}: local snapshot of ${container}:${persistPath}`,
            timeoutMs: 6 * 3600_000,
        });
        const copyMs = Date.now() - started;
        await host.exec(commands.snapshotHolder(name, image, name, container), {
            where: `${host.label}: snapshot holder`,
        });
        logger.info(`local snapshot of ${container}:${persistPath} taken in ${(copyMs / 1000).toFixed(2)} s`);
        return { copyMs, copyOut: commands.snapshotCopyOut(name, persistPath), remove };
    }
    catch (err) {
        await remove();
        logger.warn(`no local snapshot (${err.message.slice(0, 300)}): Chroma stays stopped while the archive streams`);
        return undefined;
    }
}
/** Removes snapshots of `container` left by killed runs (one backup per environment runs at a time). */
async function sweepSnapshots(host, container, logger) {
    const names = (r) => r.stdout.split(/\s+/).filter(Boolean);
    const holders = names(await host.exec(commands.snapshotLeftovers(container, 'container'), { allowFailure: true }));
    if (holders.length)
        await host.exec(commands.removeContainers(holders), { allowFailure: true });
    const volumes = names(await host.exec(commands.snapshotLeftovers(container, 'volume'), { allowFailure: true }));
    if (volumes.length)
        await host.exec(commands.removeVolumes(volumes), { allowFailure: true });
    if (holders.length + volumes.length)
        logger.info(`removed ${volumes.length} snapshot volume(s) of ${container} left by an earlier run`);
    return volumes.length;
}
async function containerState(host, container) {
    const r = await host.exec(commands.state(container), {
        where: `${host.label}: docker inspect ${container}`,
    });
    return JSON.parse(r.stdout);
}
/** The API of a Chroma container as the runner reaches it: through the SSH connection. */
async function tunnelToContainer(host, container, port) {
    const r = await host.exec(commands.ip(container));
    const ip = r.stdout.trim().split(/\s+/)[0];
    if (!ip)
        throw new errors.UserError(`${host.label}: ${container}`, 'has no IP address on a Docker network', 'is the container running on a bridge network?');
    const tunnel = await openTunnel(host, ip, port);
    return { api: new chroma_api/* ChromaApi */.Ro(tunnel.url), tunnel };
}
/**
 * Cold-copy choreography: stop with a long grace period, check the exit was not a SIGKILL
 * (137) or an OOM kill, and always restart afterwards, measuring downtime to the first heartbeat.
 */
function coldCopy(host, container, options) {
    let stoppedAt = 0;
    return {
        async stop() {
            stoppedAt = Date.now();
            await host.exec(commands.stop(container, options.graceSeconds), {
                timeoutMs: (options.graceSeconds + 60) * 1000,
                where: `${host.label}: stopping ${container}`,
            });
            const s = await containerState(host, container);
            if (s.Running)
                throw new errors.UserError(`${host.label}: ${container}`, 'is still running after docker stop', 'check for a restart policy fighting the stop');
            if (s.ExitCode === 137 || s.OOMKilled) {
                throw new errors.UserError(`${host.label}: ${container}`, `was killed (exit ${s.ExitCode}${s.OOMKilled ? ', OOM' : ''}) instead of stopping within ${options.graceSeconds} s: a copy now could be torn`, 'raise stop-timeout-seconds; the backup was not taken and Chroma has been restarted');
            }
            options.logger.info(`${container} stopped cleanly (exit ${s.ExitCode}) in ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`);
        },
        async restart() {
            await host.exec(commands.start(container), { where: `${host.label}: starting ${container}` });
            const { api, tunnel } = await tunnelToContainer(host, container, options.chromaPort);
            try {
                await api.waitHealthy(options.healthTimeoutMs);
            }
            finally {
                await tunnel.close();
            }
            const downtime = Date.now() - stoppedAt;
            options.logger.info(`${container} is healthy again; downtime ${(downtime / 1000).toFixed(1)} s`);
            return downtime;
        },
    };
}


/***/ }),

/***/ 1062:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Lx: () => (/* binding */ streamToStore),
/* harmony export */   iD: () => (/* binding */ Gate),
/* harmony export */   kI: () => (/* binding */ Meter)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4296);
/* harmony import */ var _core_progress_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(4664);
/* harmony import */ var _age_stream_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(9438);
/* harmony import */ var _compress_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(4920);
/* harmony import */ var _crypto_stream_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(674);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(6345);










/** Counts and hashes bytes passing through. */
class Meter extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    bytes = 0;
    _transform(chunk, _e, cb) {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        cb(null, chunk);
    }
}
/**
 * Holds the end of the plaintext until the producer has exited successfully, and enforces
 * the size bounds: a dump that failed, came out below the floor or above the ceiling never
 * completes its upload (the multipart upload is aborted instead).
 */
class Gate extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    producerDone;
    minBytes;
    maxBytes;
    what;
    bytes = 0;
    constructor(producerDone, minBytes, maxBytes, what) {
        super();
        this.producerDone = producerDone;
        this.minBytes = minBytes;
        this.maxBytes = maxBytes;
        this.what = what;
    }
    _transform(chunk, _e, cb) {
        this.bytes += chunk.length;
        if (this.bytes > this.maxBytes) {
            cb(new _core_errors_js__WEBPACK_IMPORTED_MODULE_4__.UserError(this.what, `is larger than max-size (${this.maxBytes} bytes); the part size was chosen for that bound`, 'raise max-size-gb'));
            return;
        }
        cb(null, chunk);
    }
    _flush(cb) {
        this.producerDone.then(() => {
            if (this.bytes < this.minBytes) {
                return cb(new _core_errors_js__WEBPACK_IMPORTED_MODULE_4__.UserError(this.what, `is only ${this.bytes} bytes, below the size floor of ${this.minBytes} bytes: refusing to store a truncated or empty dump`, 'check the source; lower min-size-bytes only if the data really shrank'));
            }
            cb();
        }, (err) => cb(err));
    }
}
/**
 * source → inspect (per-file SHA-256) → gate (exit status, size floor) → zstd (child process)
 * or gzip → age → meter (stored SHA-256) → S3 multipart. Nothing touches the disk; an error
 * anywhere destroys every stage and aborts the multipart upload. One promise pipeline end to
 * end; both it and the upload are awaited before anything is reported.
 */
async function streamToStore(store, o) {
    const plain = new Meter();
    const gate = new Gate(o.producerDone, o.minBytes, o.maxBytes, o.what);
    const stored = new Meter();
    const compression = o.legacyFormat ? 'gzip' : (o.compression ?? 'zstd');
    const recipients = o.recipients?.length ? o.recipients : undefined;
    const encrypt = o.legacyFormat
        ? new _crypto_stream_js__WEBPACK_IMPORTED_MODULE_8__/* .EncryptStream */ .CJ(o.passphrase, { kdf: o.kdf })
        : await (0,_age_stream_js__WEBPACK_IMPORTED_MODULE_6__/* .ageEncryptStream */ .FW)({ recipients, passphrase: o.passphrase, logN: o.kdf?.logN });
    const compress = o.legacyFormat ? (0,node_zlib__WEBPACK_IMPORTED_MODULE_3__.createGzip)({ level: o.level ?? 6 }) : (0,_compress_js__WEBPACK_IMPORTED_MODULE_7__/* .compressor */ .e)(compression, o.level);
    const body = new node_stream__WEBPACK_IMPORTED_MODULE_1__.PassThrough();
    const piped = (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_2__.pipeline)(o.source, o.inspector, plain, gate, compress, encrypt, stored, body);
    // The producer's own failure must stop the upload even if its stream already ended.
    let producerError;
    o.producerDone.catch((err) => {
        producerError = err;
        body.destroy(err);
    });
    const progress = o.logger && new _core_progress_js__WEBPACK_IMPORTED_MODULE_5__/* .Progress */ .ke({ label: `upload ${o.key}`, unit: 'bytes', logger: o.logger });
    const uploaded = store
        .uploadStream(o.key, body, o.partSize, (b) => progress?.update(b))
        .catch((err) => {
        // S3 failed: tear the pipeline down (nothing else would drain it).
        body.destroy(err);
        throw err;
    });
    const [p, u] = await Promise.allSettled([piped, uploaded]);
    progress?.finish();
    if (p.status === 'rejected' || u.status === 'rejected') {
        const errors = [p, u].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        throw errors.find((e) => e instanceof _core_errors_js__WEBPACK_IMPORTED_MODULE_4__.UserError) ?? producerError ?? errors[0];
    }
    const up = u.value;
    await o.producerDone;
    const files = typeof o.inspector.files === 'function' ? o.inspector.files() : o.inspector.files;
    return {
        key: o.key,
        storedBytes: stored.bytes,
        storedSha256: stored.hash.digest('hex'),
        plainBytes: plain.bytes,
        plainSha256: plain.hash.digest('hex'),
        compression,
        encryption: o.legacyFormat ? _manifest_js__WEBPACK_IMPORTED_MODULE_9__/* .LEGACY_ENCRYPTION */ .it : recipients ? 'age/x25519' : 'age/scrypt',
        partSize: up.partSize,
        parts: Math.max(1, Math.ceil(stored.bytes / up.partSize)),
        files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)),
    };
}


/***/ }),

/***/ 8291:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   oV: () => (/* binding */ partSizeFor),
/* harmony export */   yG: () => (/* binding */ BackupStore)
/* harmony export */ });
/* unused harmony exports MIN_PART, MAX_PARTS, s3Message */
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3711);
/* harmony import */ var _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2358);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4296);




const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/**
 * Fixed part size for a stream of at most `maxBytes`: every part equal (R2 requires it),
 * at most 10,000 parts (the S3 limit), never below S3's 5 MiB minimum, rounded to MiB.
 */
function partSizeFor(maxBytes) {
    const mib = 1024 * 1024;
    const needed = Math.ceil(maxBytes / (MAX_PARTS - 1));
    return Math.max(MIN_PART, Math.ceil(needed / mib) * mib);
}
/** The S3-compatible store port of backups: streaming writes, small JSON objects, listing. */
class BackupStore {
    options;
    logger;
    client;
    constructor(options, logger) {
        this.options = options;
        this.logger = logger;
        logger.setSecret(options.secretAccessKey);
        logger.setSecret(options.sessionToken);
        this.client = new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.S3Client({
            endpoint: options.endpoint || undefined,
            region: options.region,
            forcePathStyle: options.forcePathStyle,
            requestChecksumCalculation: options.checksumMode,
            responseChecksumValidation: options.checksumMode,
            credentials: options.accessKeyId && options.secretAccessKey
                ? {
                    accessKeyId: options.accessKeyId,
                    secretAccessKey: options.secretAccessKey,
                    sessionToken: options.sessionToken,
                }
                : undefined,
        });
    }
    key(...parts) {
        return [this.options.prefix, ...parts].filter(Boolean).join('/');
    }
    where(key) {
        return `s3://${this.options.bucket}/${key ?? this.options.prefix}`;
    }
    async check() {
        try {
            await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.HeadBucketCommand({ Bucket: this.options.bucket }));
        }
        catch (err) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__.UserError(this.where(), `the bucket is not reachable: ${s3Message(err)}`, 'check bucket, endpoint, region, path-style and credentials');
        }
    }
    /**
     * Streams `body` into `key` by multipart upload with equal parts of `partSize`. On any
     * failure of the body or of S3 the multipart upload is aborted, so no part is left behind.
     */
    async uploadStream(key, body, partSize, onProgress) {
        const upload = new _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_1__/* .Upload */ ._({
            client: this.client,
            params: { Bucket: this.options.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
            partSize,
            queueSize: 2,
            leavePartsOnError: false,
        });
        let uploadId;
        let bytes = 0;
        let parts = 0;
        upload.on('httpUploadProgress', (p) => {
            if (p.loaded)
                bytes = p.loaded;
            if (p.part)
                parts = Math.max(parts, p.part);
            onProgress?.(bytes);
        });
        const done = upload.done();
        done.catch(() => { });
        // An error of the body must reach the upload (pipe chains do not propagate errors).
        const bodyFailed = new Promise((_, reject) => body.once('error', reject));
        bodyFailed.catch(() => { });
        const internals = upload;
        try {
            await Promise.race([done, bodyFailed]);
            uploadId = internals.uploadId;
            return { key, bytes, parts: Math.max(parts, 1), partSize, uploadId };
        }
        catch (err) {
            // Let the upload wind down by itself: its in-flight requests (CreateMultipartUpload, parts)
            // finish, then it aborts the multipart upload. Cancelling them client-side at once
            // (upload.abort()) let the server create an upload after the abort: an orphan.
            let timer;
            await Promise.race([
                done.catch(() => { }),
                new Promise((resolve) => {
                    timer = setTimeout(resolve, 120_000);
                }),
            ]);
            clearTimeout(timer);
            await upload.abort().catch(() => { });
            uploadId =
                internals.uploadId ?? (await internals.createMultiPartPromise?.catch(() => undefined))?.UploadId;
            if (uploadId)
                await this.abortUpload(key, uploadId);
            throw err;
        }
    }
    /** Aborts one multipart upload; a store without the call is reported, not hidden. */
    async abortUpload(key, uploadId) {
        try {
            await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: key, UploadId: uploadId }));
            this.logger.info(`aborted multipart upload of ${key}`);
        }
        catch (err) {
            if (err.name === 'NoSuchUpload')
                return;
            this.logger.warn(`could not abort multipart upload ${uploadId} of ${this.where(key)}: ${s3Message(err)} — its parts may be billed until a lifecycle rule (AbortIncompleteMultipartUpload) removes them`);
        }
    }
    /** Multipart uploads still open under the prefix (orphans of killed runs). */
    async openUploads() {
        const out = [];
        let keyMarker;
        let uploadIdMarker;
        for (;;) {
            const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.ListMultipartUploadsCommand({
                Bucket: this.options.bucket,
                Prefix: `${this.options.prefix}/`,
                KeyMarker: keyMarker,
                UploadIdMarker: uploadIdMarker,
            }));
            for (const u of r.Uploads ?? [])
                if (u.Key && u.UploadId)
                    out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated });
            if (!r.IsTruncated)
                return out;
            keyMarker = r.NextKeyMarker;
            uploadIdMarker = r.NextUploadIdMarker;
        }
    }
    /** Aborts uploads left by killed runs (older than `minAgeMs`); returns how many. */
    async sweepOrphans(minAgeMs) {
        let uploads;
        try {
            uploads = await this.openUploads();
        }
        catch (err) {
            this.logger.warn(`cannot list open multipart uploads (${s3Message(err)}); orphans of killed runs are not swept — add an AbortIncompleteMultipartUpload lifecycle rule`);
            return 0;
        }
        let n = 0;
        for (const u of uploads) {
            if (u.initiated && Date.now() - u.initiated.getTime() < minAgeMs)
                continue;
            await this.abortUpload(u.key, u.uploadId);
            n++;
        }
        return n;
    }
    async putJson(key, value) {
        await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: `${JSON.stringify(value, null, 2)}\n`,
            ContentType: 'application/json',
        }));
    }
    async getJson(key) {
        try {
            const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
            return JSON.parse(await r.Body.transformToString('utf8'));
        }
        catch (err) {
            if (isNotFound(err))
                return undefined;
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__.UserError(this.where(key), `cannot read: ${s3Message(err)}`, 'check credentials and the object key');
        }
    }
    async getStream(key) {
        try {
            const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
            return { body: r.Body, bytes: r.ContentLength ?? 0 };
        }
        catch (err) {
            if (isNotFound(err))
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__.UserError(this.where(key), 'does not exist', 'list backups with `ragship backups`');
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__.UserError(this.where(key), `cannot download: ${s3Message(err)}`, 'check credentials and the object key');
        }
    }
    /** Every key under `sub` (relative to the prefix), with sizes and times. */
    async list(sub = '') {
        const out = [];
        let token;
        const Prefix = `${this.key(sub)}/`.replace(/\/+$/, '/');
        do {
            const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix, ContinuationToken: token }));
            for (const o of r.Contents ?? [])
                if (o.Key)
                    out.push({ key: o.Key, bytes: o.Size ?? 0, modified: o.LastModified });
            token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        return out;
    }
    async deleteKeys(keys) {
        for (let i = 0; i < keys.length; i += 1000) {
            const batch = keys.slice(i, i + 1000);
            const r = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__.DeleteObjectsCommand({
                Bucket: this.options.bucket,
                Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }));
            if (r.Errors?.length)
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__.UserError(this.where(), `could not delete ${r.Errors.length} object(s): ${r.Errors[0]?.Message}`, 'check the credentials allow s3:DeleteObject');
        }
    }
}
function isNotFound(err) {
    const e = err;
    return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
function s3Message(err) {
    const e = err;
    const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
    return `${e.name ?? 'Error'}${status}: ${(0,_core_errors_js__WEBPACK_IMPORTED_MODULE_2__.errorMessage)(err)}`;
}



/***/ }),

/***/ 9676:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   G: () => (/* binding */ TarIndex)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_1__);


/**
 * Passes a tar stream through unchanged while computing the SHA-256 of every regular file
 * (ustar, GNU long names and pax `path`/`size` records, as GNU tar and `docker cp` write).
 * The whole stream is hashed too. Nothing is buffered beyond one 512-byte block.
 */
class TarIndex extends node_stream__WEBPACK_IMPORTED_MODULE_1__.Transform {
    files = [];
    whole = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    bytes = 0;
    buf = Buffer.alloc(0);
    remaining = 0; // bytes of the current entry's body still to come
    padding = 0;
    current;
    paxPath;
    paxSize;
    longName;
    sawEnd = false;
    _transform(chunk, _enc, cb) {
        this.whole.update(chunk);
        this.bytes += chunk.length;
        try {
            this.consume(chunk);
        }
        catch (err) {
            cb(err);
            return;
        }
        cb(null, chunk);
    }
    consume(chunk) {
        let data = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
        this.buf = Buffer.alloc(0);
        while (data.length > 0) {
            if (this.remaining > 0) {
                const n = Math.min(this.remaining, data.length);
                const part = data.subarray(0, n);
                if (this.current?.hash)
                    this.current.hash.update(part);
                if (this.current?.metaBody)
                    this.current.metaBody.push(Buffer.from(part));
                this.remaining -= n;
                data = data.subarray(n);
                if (this.remaining === 0)
                    this.endEntry();
                continue;
            }
            if (this.padding > 0) {
                const n = Math.min(this.padding, data.length);
                this.padding -= n;
                data = data.subarray(n);
                continue;
            }
            if (this.sawEnd)
                return; // trailing zero blocks
            if (data.length < 512) {
                this.buf = Buffer.from(data);
                return;
            }
            this.header(data.subarray(0, 512));
            data = data.subarray(512);
        }
    }
    header(block) {
        if (block.every((b) => b === 0)) {
            this.sawEnd = true;
            return;
        }
        const type = String.fromCharCode(block[156] || 48);
        const name = cstr(block.subarray(0, 100));
        const prefix = cstr(block.subarray(345, 500));
        const size = this.paxSize ?? octal(block.subarray(124, 136));
        const path = this.longName ?? this.paxPath ?? (prefix ? `${prefix}/${name}` : name);
        const bodySize = type === 'x' || type === 'L' || type === 'g' ? octal(block.subarray(124, 136)) : size;
        if (type === 'x' || type === 'L') {
            this.current = { path, size: bodySize, meta: type === 'x' ? 'pax' : 'longname', metaBody: [] };
        }
        else {
            this.paxPath = undefined;
            this.paxSize = undefined;
            this.longName = undefined;
            const regular = type === '0' || type === '7';
            this.current = { path, size: regular ? bodySize : 0, hash: regular ? (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256') : undefined };
            if (!regular && type !== 'g') {
                // directories, links, devices: no body (hard links carry none either)
                this.current = undefined;
                return;
            }
        }
        this.remaining = this.current?.size ?? bodySize;
        this.padding = (512 - (bodySize % 512)) % 512;
        if (this.remaining === 0)
            this.endEntry();
    }
    endEntry() {
        const cur = this.current;
        this.current = undefined;
        if (!cur)
            return;
        if (cur.meta === 'longname') {
            this.longName = cstr(Buffer.concat(cur.metaBody ?? []));
        }
        else if (cur.meta === 'pax') {
            const text = Buffer.concat(cur.metaBody ?? []).toString('utf8');
            for (const rec of parsePax(text)) {
                if (rec.key === 'path')
                    this.paxPath = rec.value;
                if (rec.key === 'size')
                    this.paxSize = Number(rec.value);
            }
        }
        else if (cur.hash) {
            this.files.push({
                path: cur.path.replace(/^\.\//, ''),
                bytes: cur.size,
                sha256: cur.hash.digest('hex'),
            });
        }
    }
    _flush(cb) {
        if (this.remaining > 0 || this.buf.length > 0) {
            cb(new Error(`the tar stream ends inside an entry (${this.remaining} bytes missing): it is truncated`));
            return;
        }
        cb();
    }
    /** Files sorted by path: the manifest's canonical order. */
    sortedFiles() {
        return [...this.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
}
function cstr(b) {
    const end = b.indexOf(0);
    return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
}
function octal(b) {
    // GNU base-256 for sizes ≥ 8 GiB
    if (b[0] & 0x80) {
        let n = 0;
        for (let i = 1; i < b.length; i++)
            n = n * 256 + b[i];
        return n;
    }
    const s = cstr(b).trim();
    return s ? Number.parseInt(s, 8) : 0;
}
function parsePax(text) {
    const out = [];
    const buf = Buffer.from(text, 'utf8');
    let i = 0;
    while (i < buf.length) {
        const sp = buf.indexOf(0x20, i);
        if (sp === -1)
            break;
        const len = Number(buf.subarray(i, sp).toString());
        if (!len)
            break;
        const rec = buf.subarray(sp + 1, i + len - 1).toString('utf8');
        const eq = rec.indexOf('=');
        out.push({ key: rec.slice(0, eq), value: rec.slice(eq + 1) });
        i += len;
    }
    return out;
}


/***/ }),

/***/ 4664:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Kf: () => (/* binding */ progressStream),
/* harmony export */   ke: () => (/* binding */ Progress)
/* harmony export */ });
/* unused harmony exports isInteractive, seconds, formatProgress, barOf */
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var cli_progress__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8502);
/* harmony import */ var cli_progress__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(cli_progress__WEBPACK_IMPORTED_MODULE_1__);


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
            multi: new cli_progress__WEBPACK_IMPORTED_MODULE_1__.MultiBar({
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
    return new node_stream__WEBPACK_IMPORTED_MODULE_0__.Transform({
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


/***/ }),

/***/ 3089:
/***/ ((module, __unused_webpack_exports, __webpack_require__) => {

module.exports = __webpack_require__.p + "89c4a9a21ee3e9686a59.json";

/***/ })

};
