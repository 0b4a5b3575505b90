import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 431;
export const ids = [431];
export const modules = {

/***/ 8431:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runProvision: () => (/* binding */ runProvision)
});

// UNUSED EXPORTS: STEPS, provisionHost, provisionReport, publicKeyOf

// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
var lib_default = /*#__PURE__*/__webpack_require__.n(lib);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/logger.ts
var logger = __webpack_require__(1227);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/core/known-hosts.ts


class HostKeyError extends errors/* UserError */.yo {
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
            ? reject(retryable(new errors/* UserError */.yo(label, `jump host could not reach ${host}:${port}: ${err.message}`, 'check the target address from the jump host')))
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
                return fail(new errors/* UserError */.yo(where, `the server refused the SSH key for user ${opts.user}`, `add the deploy public key to ~${opts.user}/.ssh/authorized_keys on the host`));
            }
            if (/no matching host key/i.test(err.message))
                return fail(new errors/* UserError */.yo(where, `cannot connect: ${err.message}`, 'check the host key types'));
            fail(retryable(new errors/* UserError */.yo(where, `cannot connect: ${err.message}`, 'check the host, port and firewall')));
        });
        client.on('close', () => {
            if (hostKeyError)
                fail(hostKeyError);
            else
                fail(retryable(new errors/* UserError */.yo(where, 'connection closed during the handshake', 'check sshd on the host')));
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
        throw new errors/* ConfigError */.xL(`${where} private key`, `cannot be read (${error.message.replace(/privateKey/g, 'private key')})`, `pass the deploy user's private key in OpenSSH or PEM format (-----BEGIN OPENSSH PRIVATE KEY-----…)${/passphrase/i.test(error.message) ? ' and its passphrase' : ''}`);
    }
}
function retryable(err) {
    err.retryable = true;
    return err;
}
/** Only connection-level failures (refused, timed out, dropped during the handshake) are retried. */
function isRetryable(err) {
    return err instanceof errors/* UserError */.yo && err.retryable === true;
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
        throw new errors/* UserError */.yo(where, `the command line is ${bytes} bytes (\`${describe(argv)}\`); a host's shell accepts at most ${MAX_COMMAND_LINE_BYTES}`, 'send large data through stdin (exec input / execStream) or upload() a file instead of an argument');
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
                return reject(new errors/* CommandError */.Qd(argv[0] ?? '', null, err.message, where));
            let stdout = '';
            let stderr = '';
            let code = null;
            let signal = null;
            let gotExit = false;
            const timer = options.timeoutMs
                ? setTimeout(() => {
                    channel.signal('KILL');
                    channel.close();
                    reject(new errors/* CommandError */.Qd(argv.join(' ').slice(0, 200), null, `timed out after ${options.timeoutMs} ms\n${(0,errors/* tail */.RT)(stderr, 10)}`, where));
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
                    return reject(new errors/* CommandError */.Qd(name, null, (0,errors/* tail */.RT)(stderr || 'no exit status received'), where, signal ?? undefined));
                }
                if (code !== 0 && !options.allowFailure) {
                    return reject(new errors/* CommandError */.Qd(name, code, (0,errors/* tail */.RT)(stderr || stdout), where));
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
                return reject(new errors/* CommandError */.Qd(argv[0] ?? '', null, err.message, where));
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
                    return reject(new errors/* CommandError */.Qd(describe(argv), code, (0,errors/* tail */.RT)(stderr), where, signal ?? undefined));
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
                return reject(new errors/* CommandError */.Qd(argv[0] ?? '', null, err.message, where));
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
        ? reject(new errors/* UserError */.yo(label, `SFTP unavailable: ${err.message}`, 'enable the sftp subsystem in sshd_config'))
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
                return reject(new errors/* UserError */.yo(where.label, `cannot create ${tmp}: ${err.message}`, `check that ${dir} exists and is writable by ${where.user}`));
            const finish = (e) => {
                sftp.close(handle, () => {
                    if (e)
                        return sftp.unlink(tmp, () => reject(new errors/* UserError */.yo(where.label, `upload to ${path} failed: ${e.message}`, 'check free disk space on the host')));
                    sftp.ext_openssh_rename(tmp, path, (renameErr) => {
                        if (renameErr)
                            return sftp.unlink(tmp, () => reject(new errors/* UserError */.yo(where.label, `cannot move upload into ${path}: ${renameErr.message}`, 'check permissions')));
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
                    : reject(new errors/* UserError */.yo(label, `cannot read ${path}: ${err.message}`, 'check permissions'));
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
        ? reject(new errors/* UserError */.yo(`${label} tunnel`, `the host refused to listen on ${f.bindHost}:${f.bindPort} for the tunnel to ${f.target.host}:${f.target.port} (${err.message}): the port is taken on the host, or the key may not forward ports (authorized_keys "restrict" without "port-forwarding,permitlisten=…", or AllowTcpForwarding no)`, `free port ${f.bindPort} on the host and allow it for the deploy key: provision with registry-tunnel-port: ${f.bindPort}, or add port-forwarding,permitlisten="localhost:${f.bindPort}" to its authorized_keys line`))
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
        const err = new errors/* CommandError */.Qd('(connection)', null, 'the SSH connection was closed', this.label);
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

// EXTERNAL MODULE: ./src/core/ssh-proxy.ts
var ssh_proxy = __webpack_require__(5828);
// EXTERNAL MODULE: ./src/core/validate.ts
var validate = __webpack_require__(993);
;// CONCATENATED MODULE: ./src/provision/os.ts

const SUPPORTED = { debian: ['12'], ubuntu: ['22.04', '24.04'] };
function parseOsRelease(text) {
    const out = {};
    for (const line of text.split('\n')) {
        const m = /^([A-Z_]+)=(?:"([^"]*)"|'([^']*)'|(.*))$/.exec(line.trim());
        if (m)
            out[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
    }
    return out;
}
/** Debian 12 and Ubuntu 22.04/24.04 only: package names and config paths are known for them. */
async function detectOs(target) {
    const text = (await target.readFile('/etc/os-release')) ?? '';
    const rel = parseOsRelease(text);
    const id = rel.ID ?? '';
    const versionId = rel.VERSION_ID ?? '';
    if (!SUPPORTED[id]?.includes(versionId)) {
        throw new errors/* UserError */.yo(target.label, `unsupported OS ${rel.PRETTY_NAME ?? (id || 'unknown')}`, 'provision supports Debian 12 and Ubuntu 22.04/24.04');
    }
    const arch = await target.out(['dpkg', '--print-architecture']);
    return { id: id, versionId, codename: rel.VERSION_CODENAME ?? '', arch };
}

// EXTERNAL MODULE: ./src/provision/settings.ts + 1 modules
var provision_settings = __webpack_require__(8347);
;// CONCATENATED MODULE: ./src/provision/steps/packages.ts

const TIME_DAEMONS = ['chrony', 'ntp', 'ntpsec', 'openntpd', 'systemd-timesyncd'];
const DOCKER_CE = [
    'docker-ce',
    'docker-ce-cli',
    'containerd.io',
    'docker-buildx-plugin',
    'docker-compose-plugin',
];
const APT_ENV = ['env', 'DEBIAN_FRONTEND=noninteractive', 'NEEDRESTART_MODE=a'];
// Fresh cloud VMs run unattended-upgrades at first boot: wait for the dpkg lock instead of failing.
const APT_OPTS = [
    '-o',
    'DPkg::Lock::Timeout=600',
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
];
/** Docker packages per source: the distribution's docker.io + compose, or Docker's own repository. */
function dockerPackages(os, source) {
    if (source === 'docker')
        return DOCKER_CE;
    // Debian 12 ships compose v1 (docker-compose 1.29); Ubuntu 22.04/24.04 ship the v2 plugin.
    return ['docker.io', os.id === 'ubuntu' ? 'docker-compose-v2' : 'docker-compose'];
}
/** Every package the wanted state needs (docker, firewall, fail2ban, updates, sudo, time sync). */
function wantedPackages(settings, os, opts) {
    const s = settings.steps;
    const pkgs = ['ca-certificates'];
    if (s.has('docker') || s.has('deploy-user'))
        // curl: a deploy's health gate probes containers with it (the deploy preflight requires it).
        pkgs.push(...dockerPackages(os, settings.dockerSource), 'curl');
    if (s.has('firewall'))
        pkgs.push('ufw');
    // python3-systemd: the sshd jail reads the journal (Debian 12 has no /var/log/auth.log by default).
    if (s.has('fail2ban'))
        pkgs.push('fail2ban', 'python3-systemd');
    if (s.has('unattended-upgrades'))
        pkgs.push('unattended-upgrades');
    if (s.has('time-sync') && !opts.timeDaemon)
        pkgs.push('systemd-timesyncd');
    if (opts.needSudo || s.has('admin-user'))
        pkgs.push('sudo');
    return [...new Set(pkgs)];
}
/** Installed packages among `names` (dpkg says "ii"). */
async function installed(target, names) {
    // dpkg-query's own ${field} format (a plain string, not a template).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format, not a JS template
    const r = await target.run(['dpkg-query', '-W', '-f=${Package}\t${db:Status-Abbrev}\n', ...names], {
        allowFailure: true,
    });
    const found = new Set();
    for (const line of r.stdout.split('\n')) {
        const [name, status] = line.split('\t');
        if (name && status?.startsWith('ii'))
            found.add(name);
    }
    return found;
}
function aptInstall(pkgs) {
    return [...APT_ENV, 'apt-get', ...APT_OPTS, 'install', '-y', '--no-install-recommends', ...pkgs];
}
function aptUpdate() {
    return [...APT_ENV, 'apt-get', ...APT_OPTS, 'update', '-q'];
}
/** Installs curl and CA certificates, then downloads an apt repository's signing key to `path` (under /etc/apt/keyrings). */
async function fetchAptKey(target, path, url) {
    await target.run(aptInstall(['ca-certificates', 'curl']), { timeoutMs: 900_000 });
    await target.run(['install', '-m', '0755', '-d', '/etc/apt/keyrings']);
    await target.run(['curl', '-fsSL', '--retry', '3', '-o', path, url]);
}
/** Docker's apt repository (deb822 source with its own keyring), as docs.docker.com describes it. */
function dockerRepoSource(os) {
    return [
        'Types: deb',
        `URIs: https://download.docker.com/linux/${os.id}`,
        `Suites: ${os.codename}`,
        'Components: stable',
        `Architectures: ${os.arch}`,
        'Signed-By: /etc/apt/keyrings/docker.asc',
        '',
    ].join('\n');
}
const DOCKER_SOURCE_PATH = '/etc/apt/sources.list.d/docker.sources';
async function timeDaemon(target) {
    const have = await installed(target, TIME_DAEMONS);
    return TIME_DAEMONS.find((d) => have.has(d));
}
async function missingPackages(ctx) {
    const wanted = wantedPackages(ctx.settings, ctx.os, {
        needSudo: !ctx.target.asRoot,
        timeDaemon: await timeDaemon(ctx.target),
    });
    const have = await installed(ctx.target, wanted);
    return wanted.filter((p) => !have.has(p));
}
const packagesStep = {
    id: 'packages',
    title: 'Packages (Docker, compose, ufw, fail2ban, unattended-upgrades, time sync)',
    async check(ctx) {
        const changes = [];
        if (ctx.settings.dockerSource === 'docker') {
            const conflict = await installed(ctx.target, ['docker.io', 'docker-compose', 'podman-docker']);
            if (conflict.size > 0) {
                throw new errors/* UserError */.yo(ctx.target.label, `${[...conflict].join(', ')} from the distribution ${conflict.size === 1 ? 'is' : 'are'} installed; Docker's packages conflict with them`, 'keep docker-source: distribution, or remove them first (apt-get remove docker.io docker-compose containerd runc)');
            }
            if ((await ctx.target.readFile(DOCKER_SOURCE_PATH)) !== dockerRepoSource(ctx.os))
                changes.push(`add Docker's apt repository (${DOCKER_SOURCE_PATH})`);
        }
        const missing = await missingPackages(ctx);
        if (missing.length)
            changes.push(`install ${missing.join(' ')}`);
        return changes;
    },
    async apply(ctx) {
        const t = ctx.target;
        if (ctx.settings.dockerSource === 'docker') {
            await t.run(aptUpdate(), { timeoutMs: 900_000 });
            await fetchAptKey(t, '/etc/apt/keyrings/docker.asc', `https://download.docker.com/linux/${ctx.os.id}/gpg`);
            await t.run(['chmod', 'a+r', '/etc/apt/keyrings/docker.asc']);
            await t.writeFile(DOCKER_SOURCE_PATH, dockerRepoSource(ctx.os));
        }
        const missing = await missingPackages(ctx);
        if (missing.length === 0)
            return;
        await t.run(aptUpdate(), { timeoutMs: 900_000 });
        ctx.logger.info(`installing ${missing.join(' ')}`);
        await t.run(aptInstall(missing), { timeoutMs: 1_800_000 });
    },
};
/** systemctl is-enabled / is-active, tolerant of units that do not exist yet. */
async function unitState(target, unit) {
    const enabled = (await target.run(['systemctl', 'is-enabled', unit], { allowFailure: true })).stdout.trim() || 'missing';
    const active = (await target.run(['systemctl', 'is-active', unit], { allowFailure: true })).stdout.trim() || 'unknown';
    return { enabled, active };
}
const dockerStep = {
    id: 'docker',
    title: 'Docker Engine enabled and running',
    async check(ctx) {
        const { enabled, active } = await unitState(ctx.target, 'docker');
        const changes = [];
        if (enabled !== 'enabled')
            changes.push(`enable docker (is ${enabled})`);
        if (active !== 'active')
            changes.push(`start docker (is ${active})`);
        if (changes.length === 0) {
            const v = await ctx.target.run(['docker', 'version', '--format', '{{.Server.Version}}'], {
                allowFailure: true,
            });
            if (v.code !== 0)
                changes.push(`restart docker (the daemon does not answer: ${v.stderr.trim().split('\n').pop()})`);
        }
        return changes;
    },
    async apply(ctx, changes) {
        await ctx.target.run(['systemctl', 'enable', '--now', 'docker']);
        if (changes.some((c) => c.startsWith('restart')))
            await ctx.target.run(['systemctl', 'restart', 'docker']);
    },
};

;// CONCATENATED MODULE: ./src/provision/steps/firewall.ts

/** The rules the host should have: SSH first (allowed or rate-limited), then 80/443, then extras. */
function wantedUfwRules(settings, sshPort) {
    const rules = [{ action: settings.sshRateLimit ? 'limit' : 'allow', port: `${sshPort}/tcp` }];
    if (settings.openHttp)
        rules.push({ action: 'allow', port: '80/tcp' }, { action: 'allow', port: '443/tcp' });
    for (const p of settings.allowPorts)
        rules.push({ action: 'allow', port: p });
    return rules;
}
/** Parses `ufw show added` ("ufw limit 22/tcp", "ufw allow 80/tcp"): rules exist even while ufw is inactive. */
function parseUfwAdded(text) {
    const rules = [];
    for (const line of text.split('\n')) {
        const m = /^ufw (allow|limit) ([0-9]+(?::[0-9]+)?\/(?:tcp|udp))$/.exec(line.trim());
        if (m)
            rules.push({ action: m[1], port: m[2] });
    }
    return rules;
}
/** `ufw status verbose`: "Status: active" and "Default: deny (incoming), allow (outgoing), …". */
function parseUfwStatus(text) {
    const active = /^Status: active$/m.test(text);
    const d = /^Default: (\w+) \(incoming\), (\w+) \(outgoing\)/m.exec(text);
    return { active, incoming: d?.[1], outgoing: d?.[2] };
}
/** ufw commands for the differences; SSH is allowed before the firewall is ever enabled. */
function ufwPlan(have, status, want) {
    const commands = [];
    const changes = [];
    const key = (r) => `${r.action} ${r.port}`;
    const haveKeys = new Set(have.map(key));
    for (const r of want) {
        if (haveKeys.has(key(r)))
            continue;
        const other = have.find((h) => h.port === r.port && h.action !== r.action);
        if (other) {
            commands.push(['ufw', 'delete', other.action, other.port]);
            changes.push(`ufw: ${other.action} → ${r.action} ${r.port}`);
        }
        else
            changes.push(`ufw: ${r.action} ${r.port}`);
        commands.push(['ufw', r.action, r.port]);
    }
    if (status.incoming !== 'deny') {
        commands.push(['ufw', 'default', 'deny', 'incoming']);
        changes.push(`ufw: default deny incoming (is ${status.incoming ?? 'unknown'})`);
    }
    if (status.outgoing !== 'allow') {
        commands.push(['ufw', 'default', 'allow', 'outgoing']);
        changes.push(`ufw: default allow outgoing (is ${status.outgoing ?? 'unknown'})`);
    }
    if (!status.active) {
        commands.push(['ufw', '--force', 'enable']);
        changes.push('ufw: enable');
    }
    const wantPorts = new Set(want.map((r) => r.port));
    const extra = have.filter((h) => !wantPorts.has(h.port));
    return { commands, changes, extra };
}
/** The port sshd listens on (from its effective config), which the firewall must keep open. */
async function sshdPort(ctx) {
    const r = await ctx.target.run(['sshd', '-T'], { allowFailure: true });
    const m = /^port ([0-9]+)$/m.exec(r.stdout);
    return m ? Number(m[1]) : 22;
}
async function ufwState(ctx) {
    if (!(await ctx.target.ok(['sh', '-c', 'command -v ufw >/dev/null'])))
        return undefined;
    const added = await ctx.target.out(['ufw', 'show', 'added']);
    const status = await ctx.target.out(['ufw', 'status', 'verbose']);
    return { have: parseUfwAdded(added), status: parseUfwStatus(status) };
}
const firewallStep = {
    id: 'firewall',
    title: 'Firewall (ufw): SSH, 80/443, default deny incoming',
    async check(ctx) {
        const want = wantedUfwRules(ctx.settings, await sshdPort(ctx));
        const state = await ufwState(ctx);
        if (!state)
            return ['ufw is not installed yet', ...ufwPlan([], { active: false }, want).changes];
        const plan = ufwPlan(state.have, state.status, want);
        for (const r of plan.extra)
            ctx.logger.warn(`${ctx.target.label}: ufw also allows ${r.port} (${r.action}); ragship leaves rules it did not ask for — remove it with \`ufw delete ${r.action} ${r.port}\` if unwanted`);
        return plan.changes;
    },
    async apply(ctx) {
        const want = wantedUfwRules(ctx.settings, await sshdPort(ctx));
        const state = await ufwState(ctx);
        const plan = ufwPlan(state?.have ?? [], state?.status ?? { active: false }, want);
        for (const cmd of plan.commands)
            await ctx.target.run(cmd);
    },
};
const FAIL2BAN_JAIL = '/etc/fail2ban/jail.d/ragship-sshd.local';
/** The sshd jail reads the systemd journal: Debian 12 has no /var/log/auth.log unless rsyslog is installed. */
function fail2banJail(sshPort) {
    return [
        '# Managed by ragship provision',
        '[sshd]',
        'enabled = true',
        'backend = systemd',
        `port = ${sshPort}`,
        'maxretry = 5',
        'findtime = 10m',
        'bantime = 1h',
        '',
    ].join('\n');
}
const fail2banStep = {
    id: 'fail2ban',
    title: 'fail2ban sshd jail',
    async check(ctx) {
        const changes = [];
        const want = fail2banJail(await sshdPort(ctx));
        if ((await ctx.target.readFile(FAIL2BAN_JAIL)) !== want)
            changes.push(`write ${FAIL2BAN_JAIL} (sshd jail, journal backend)`);
        const { enabled, active } = await unitState(ctx.target, 'fail2ban');
        if (enabled !== 'enabled')
            changes.push(`enable fail2ban (is ${enabled})`);
        if (active !== 'active')
            changes.push(`start fail2ban (is ${active})`);
        else if (changes.length === 0 && !(await ctx.target.ok(['fail2ban-client', 'status', 'sshd'])))
            changes.push('reload fail2ban (the sshd jail is not running)');
        return changes;
    },
    async apply(ctx, changes) {
        const want = fail2banJail(await sshdPort(ctx));
        const wrote = (await ctx.target.readFile(FAIL2BAN_JAIL)) !== want;
        if (wrote)
            await ctx.target.writeFile(FAIL2BAN_JAIL, want);
        await ctx.target.run(['systemctl', 'enable', 'fail2ban']);
        if (wrote || changes.some((c) => c.startsWith('reload')))
            await ctx.target.run(['systemctl', 'restart', 'fail2ban']);
        else
            await ctx.target.run(['systemctl', 'start', 'fail2ban']);
        // fail2ban answers on its socket a moment after systemd reports it started.
        await ctx.target.run([
            'sh',
            '-c',
            'for i in $(seq 1 50); do fail2ban-client status sshd >/dev/null 2>&1 && exit 0; sleep 0.2; done; fail2ban-client status sshd',
        ], {
            where: `${ctx.target.label} fail2ban sshd jail`,
        });
    },
};

;// CONCATENATED MODULE: ./src/provision/steps/logs.ts

const DAEMON_JSON = '/etc/docker/daemon.json';
const JOURNALD_DROPIN = '/etc/systemd/journald.conf.d/60-ragship.conf';
/**
 * daemon.json with our log settings merged in; every other key (runtimes from the NVIDIA
 * toolkit, registry mirrors…) is kept. Returns the new text, or undefined when nothing changes.
 */
function mergeDaemonJson(current, maxSize, maxFile) {
    let doc = {};
    if (current?.trim()) {
        try {
            doc = JSON.parse(current);
        }
        catch (err) {
            throw new errors/* UserError */.yo(DAEMON_JSON, `is not valid JSON (${err.message})`, 'fix or remove the file; Docker would not start with it either');
        }
    }
    const changes = [];
    const opts = { ...(doc['log-opts'] ?? {}) };
    if (doc['log-driver'] !== undefined && doc['log-driver'] !== 'json-file' && doc['log-driver'] !== 'local') {
        // journald/syslog drivers rotate elsewhere; leave the operator's choice alone.
        return { changes: [] };
    }
    if (doc['log-driver'] === undefined) {
        doc['log-driver'] = 'json-file';
        changes.push('log-driver json-file');
    }
    if (opts['max-size'] !== maxSize)
        changes.push(`log-opts.max-size ${String(opts['max-size'] ?? 'unset')} → ${maxSize}`);
    if (opts['max-file'] !== String(maxFile))
        changes.push(`log-opts.max-file ${String(opts['max-file'] ?? 'unset')} → ${maxFile}`);
    if (changes.length === 0)
        return { changes };
    doc['log-opts'] = { ...opts, 'max-size': maxSize, 'max-file': String(maxFile) };
    return { text: `${JSON.stringify(doc, null, 2)}\n`, changes };
}
const dockerLogsStep = {
    id: 'docker-logs',
    title: 'Docker log rotation (daemon.json log-opts)',
    async check(ctx) {
        const current = await ctx.target.readFile(DAEMON_JSON);
        return mergeDaemonJson(current, ctx.settings.dockerLogMaxSize, ctx.settings.dockerLogMaxFile).changes.map((c) => `${DAEMON_JSON}: ${c}`);
    },
    async apply(ctx) {
        const current = await ctx.target.readFile(DAEMON_JSON);
        const { text } = mergeDaemonJson(current, ctx.settings.dockerLogMaxSize, ctx.settings.dockerLogMaxFile);
        if (!text)
            return;
        await ctx.target.run(['install', '-d', '-m', '0755', '/etc/docker']);
        await ctx.target.writeFile(DAEMON_JSON, text, '0644');
        // New log options apply to containers created afterwards; running ones keep theirs.
        const active = await ctx.target.ok(['systemctl', 'is-active', '--quiet', 'docker']);
        if (active)
            await ctx.target.run(['systemctl', 'restart', 'docker'], { timeoutMs: 180_000 });
    },
};
function journaldDropIn(maxUse, retentionDays) {
    return [
        '# Managed by ragship provision',
        '[Journal]',
        'Storage=persistent',
        `SystemMaxUse=${maxUse}`,
        `MaxRetentionSec=${retentionDays}day`,
        '',
    ].join('\n');
}
const journaldStep = {
    id: 'journald',
    title: 'journald retention (size and age)',
    async check(ctx) {
        const want = journaldDropIn(ctx.settings.journalMaxUse, ctx.settings.journalRetentionDays);
        const have = await ctx.target.readFile(JOURNALD_DROPIN);
        return have === want
            ? []
            : [
                `${have === undefined ? 'write' : 'update'} ${JOURNALD_DROPIN} (SystemMaxUse=${ctx.settings.journalMaxUse}, MaxRetentionSec=${ctx.settings.journalRetentionDays}day)`,
            ];
    },
    async apply(ctx) {
        await ctx.target.run(['install', '-d', '-m', '0755', '/etc/systemd/journald.conf.d', '/var/log/journal']);
        await ctx.target.writeFile(JOURNALD_DROPIN, journaldDropIn(ctx.settings.journalMaxUse, ctx.settings.journalRetentionDays));
        await ctx.target.run(['systemctl', 'restart', 'systemd-journald']);
    },
};

;// CONCATENATED MODULE: ./src/provision/steps/gpu.ts



const NVIDIA_SMI_QUERY = [
    'nvidia-smi',
    '--query-gpu=name,driver_version,memory.total',
    '--format=csv,noheader,nounits',
];
const TOOLKIT_LIST = '/etc/apt/sources.list.d/nvidia-container-toolkit.list';
const TOOLKIT_KEY = '/etc/apt/keyrings/nvidia-container-toolkit.asc';
/** `nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader,nounits` lines. */
function parseNvidiaSmi(text) {
    return text
        .trim()
        .split('\n')
        .filter((l) => l.trim())
        .map((line) => {
        const [name, driver, mem] = line.split(',').map((s) => s.trim());
        const memoryMiB = Number((mem ?? '').replace(/\s*MiB$/, ''));
        if (!name || !driver || !Number.isFinite(memoryMiB))
            throw new Error(`unexpected nvidia-smi line: ${line}`);
        return { name, driver, memoryMiB };
    });
}
/** Why nvidia-smi failed, in words a person can act on. */
function driverProblem(code, output) {
    if (code === 127 || /not found/i.test(output))
        return 'nvidia-smi is not installed: the NVIDIA driver is missing';
    if (/couldn't communicate with the NVIDIA driver|NVIDIA-SMI has failed/i.test(output)) {
        return 'nvidia-smi cannot talk to the NVIDIA driver (driver not loaded: reboot after installing it, or the kernel module does not match the running kernel)';
    }
    if (/No devices were found/i.test(output))
        return 'the NVIDIA driver is loaded but sees no GPU';
    return `nvidia-smi failed (${code}): ${output.trim().split('\n').pop()}`;
}
function toolkitList(arch) {
    return `deb [signed-by=${TOOLKIT_KEY}] https://nvidia.github.io/libnvidia-container/stable/deb/${arch} /\n`;
}
function hasNvidiaRuntime(daemonJson) {
    if (!daemonJson?.trim())
        return false;
    try {
        const doc = JSON.parse(daemonJson);
        return !!doc.runtimes?.nvidia;
    }
    catch {
        return false;
    }
}
async function gpus(ctx) {
    const r = await ctx.target.run(NVIDIA_SMI_QUERY, { allowFailure: true });
    if (r.code !== 0)
        return { problem: driverProblem(r.code, `${r.stderr}\n${r.stdout}`) };
    const list = parseNvidiaSmi(r.stdout);
    return list.length ? { gpus: list } : { problem: 'the NVIDIA driver is loaded but sees no GPU' };
}
function missingDriver(ctx, problem) {
    const fix = ctx.os.id === 'ubuntu'
        ? 'install the driver (`ubuntu-drivers install --gpgpu`, then reboot), or set gpu-install-driver: true'
        : 'install nvidia-driver from Debian non-free (then reboot); ragship does not install drivers on Debian';
    throw new errors/* UserError */.yo(ctx.target.label, `GPU host: ${problem}`, fix);
}
const gpuStep = {
    id: 'gpu',
    title: 'GPU: driver, NVIDIA container toolkit, docker runtime, test container',
    async check(ctx) {
        const changes = [];
        const found = await gpus(ctx);
        if (found.problem) {
            if (!ctx.settings.gpuInstallDriver || ctx.os.id !== 'ubuntu')
                missingDriver(ctx, found.problem);
            changes.push(`install the NVIDIA driver (ubuntu-drivers install --gpgpu; a reboot follows): ${found.problem}`);
        }
        else {
            ctx.logger.info(`${ctx.target.label}: ${found.gpus.map((g) => `${g.name} (driver ${g.driver}, ${g.memoryMiB} MiB)`).join('; ')}`);
        }
        if (!(await installed(ctx.target, ['nvidia-container-toolkit'])).has('nvidia-container-toolkit'))
            changes.push('install nvidia-container-toolkit from NVIDIA’s apt repository');
        if (!hasNvidiaRuntime(await ctx.target.readFile(DAEMON_JSON)))
            changes.push('register the nvidia runtime with Docker (nvidia-ctk runtime configure --runtime=docker)');
        if (changes.length === 0) {
            const run = await ctx.target.run(['docker', 'run', '--rm', '--gpus', 'all', ctx.settings.gpuTestImage, 'nvidia-smi', '-L'], { allowFailure: true, timeoutMs: 600_000 });
            if (run.code !== 0) {
                throw new errors/* UserError */.yo(ctx.target.label, `the GPU test container failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`, 'check `nvidia-ctk runtime configure` and restart docker');
            }
            ctx.logger.info(`${ctx.target.label}: GPU test container sees: ${run.stdout.trim()}`);
        }
        return changes;
    },
    async apply(ctx, changes) {
        const t = ctx.target;
        if (changes.some((c) => c.startsWith('install the NVIDIA driver'))) {
            await t.run(aptUpdate(), { timeoutMs: 900_000 });
            await t.run(aptInstall(['ubuntu-drivers-common']), { timeoutMs: 900_000 });
            await t.run(['ubuntu-drivers', 'install', '--gpgpu'], { timeoutMs: 1_800_000 });
            throw new errors/* UserError */.yo(t.label, 'the NVIDIA driver was installed and needs a reboot', 'reboot the host, then run provision again');
        }
        if (changes.some((c) => c.startsWith('install nvidia-container-toolkit'))) {
            await fetchAptKey(t, TOOLKIT_KEY, 'https://nvidia.github.io/libnvidia-container/gpgkey');
            await t.writeFile(TOOLKIT_LIST, toolkitList(ctx.os.arch));
            await t.run(aptUpdate(), { timeoutMs: 900_000 });
            await t.run(aptInstall(['nvidia-container-toolkit']), { timeoutMs: 1_800_000 });
        }
        if (!hasNvidiaRuntime(await t.readFile(DAEMON_JSON))) {
            await t.run(['nvidia-ctk', 'runtime', 'configure', '--runtime=docker']);
            await t.run(['systemctl', 'restart', 'docker'], { timeoutMs: 180_000 });
        }
    },
};

;// CONCATENATED MODULE: ./src/provision/steps/sshd.ts

/**
 * "00-" so it is read first: sshd keeps the first value it sees, and cloud images ship
 * drop-ins such as 50-cloud-init.conf that turn PasswordAuthentication back on.
 */
const SSHD_DROPIN = '/etc/ssh/sshd_config.d/00-ragship.conf';
/** Effective values (as `sshd -T` prints them, lower-case) the hardened host must show. */
function wantedSshd(settings) {
    return {
        passwordauthentication: ['no'],
        kbdinteractiveauthentication: ['no'],
        permitemptypasswords: ['no'],
        pubkeyauthentication: ['yes'],
        // sshd -T prints prohibit-password under its old name on some OpenSSH versions.
        permitrootlogin: settings.permitRootLogin === 'no' ? ['no'] : ['prohibit-password', 'without-password'],
        x11forwarding: ['no'],
        allowagentforwarding: ['no'],
        maxauthtries: ['3'],
    };
}
function sshdDropIn(settings) {
    return [
        '# Managed by ragship provision: keys only. Applied only after the deploy user proved its key login.',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitEmptyPasswords no',
        'PubkeyAuthentication yes',
        `PermitRootLogin ${settings.permitRootLogin}`,
        'X11Forwarding no',
        'AllowAgentForwarding no',
        'MaxAuthTries 3',
        '',
    ].join('\n');
}
function parseSshdT(text) {
    const m = new Map();
    for (const line of text.split('\n')) {
        const at = line.indexOf(' ');
        if (at > 0 && !m.has(line.slice(0, at)))
            m.set(line.slice(0, at), line.slice(at + 1).trim());
    }
    return m;
}
/** Effective settings that differ from the wanted ones. */
function sshdDifferences(effective, want) {
    return Object.entries(want)
        .filter(([k, v]) => !v.includes(effective.get(k) ?? ''))
        .map(([k, v]) => `${k} ${effective.get(k) ?? 'unset'} → ${v[0]}`);
}
async function effective(ctx) {
    const r = await ctx.target.run(['sshd', '-T'], { allowFailure: true });
    if (r.code !== 0)
        throw new errors/* UserError */.yo(ctx.target.label, `sshd -T failed: ${r.stderr.trim()}`, 'fix the sshd configuration (sshd -t shows the error)');
    return parseSshdT(r.stdout);
}
/**
 * The lock-out guard: before sshd is changed, the deploy user must log in with its key over a
 * NEW connection, and the operator must keep a way in (root by key, or the admin sudo user).
 */
async function lockoutGuard(ctx) {
    const { settings } = ctx;
    const refuse = (problem, fix) => {
        throw new errors/* UserError */.yo(ctx.target.label, `refusing to harden sshd: ${problem}; nothing in sshd was changed`, fix);
    };
    if (!settings.deployPrivateKey) {
        refuse(`cannot prove that ${settings.deployUser} logs in without the deploy private key`, 'pass deploy-private-key, or harden-ssh: false');
    }
    const deploy = await ctx.probeLogin(settings.deployUser, 'deploy', ['id', '-nG']);
    if (!deploy.ok) {
        refuse(`${settings.deployUser} could not log in with the deploy key over a new connection (${deploy.error})`, `check AllowUsers/DenyUsers/AuthorizedKeysFile in sshd_config and ~${settings.deployUser}/.ssh/authorized_keys`);
    }
    ctx.logger.info(`${ctx.target.label}: lock-out guard: ${settings.deployUser} logged in with the deploy key over a new connection`);
    if (ctx.connectedAs === 'root' && settings.permitRootLogin === 'no') {
        if (!settings.adminUser) {
            refuse('this run logs in as root, and PermitRootLogin no would end that with no other admin login', 'set admin-user (a sudo user created with this key) or permit-root-login: prohibit-password');
        }
        const admin = await ctx.probeLogin(settings.adminUser, 'operator', ['sudo', '-n', 'true']);
        if (!admin.ok)
            refuse(`admin user ${settings.adminUser} could not log in and sudo over a new connection (${admin.error})`, 'run the admin-user step first');
        ctx.logger.info(`${ctx.target.label}: lock-out guard: admin ${settings.adminUser} logged in and ran sudo -n over a new connection`);
    }
}
// sshd re-executes itself on SIGHUP and listens again a moment later; `systemctl reload`
// returns before that. Connections in the gap are dropped ("connection lost before handshake").
const WAIT_LISTEN = 'sleep 1; p=$(printf "%04X" "$1"); for i in $(seq 1 100); do awk -v p=":$p" \'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }\' /proc/net/tcp /proc/net/tcp6 2>/dev/null && exit 0; sleep 0.1; done; exit 1';
async function reloadSshd(ctx) {
    await ctx.target.run(['systemctl', 'reload-or-restart', 'ssh']);
    const port = (await effective(ctx)).get('port') ?? '22';
    await ctx.target.run(['sh', '-c', WAIT_LISTEN, 'sh', port], { allowFailure: true, timeoutMs: 30_000 });
}
async function restore(ctx, previous) {
    if (previous === undefined)
        await ctx.target.run(['rm', '-f', SSHD_DROPIN]);
    else
        await ctx.target.writeFile(SSHD_DROPIN, previous, '0644');
}
const sshdStep = {
    id: 'sshd',
    title: 'sshd hardening (keys only, no root password login) behind the lock-out guard',
    async check(ctx) {
        const changes = [];
        if ((await ctx.target.readFile(SSHD_DROPIN)) !== sshdDropIn(ctx.settings))
            changes.push(`write ${SSHD_DROPIN}`);
        changes.push(...sshdDifferences(await effective(ctx), wantedSshd(ctx.settings)).map((d) => `sshd: ${d}`));
        return changes;
    },
    async apply(ctx) {
        await lockoutGuard(ctx);
        const previous = await ctx.target.readFile(SSHD_DROPIN);
        await ctx.target.run(['install', '-d', '-m', '0755', '/etc/ssh/sshd_config.d']);
        await ctx.target.writeFile(SSHD_DROPIN, sshdDropIn(ctx.settings), '0644');
        const test = await ctx.target.run(['sshd', '-t'], { allowFailure: true });
        const left = test.code === 0 ? sshdDifferences(await effective(ctx), wantedSshd(ctx.settings)) : [];
        if (test.code !== 0 || left.length > 0) {
            await restore(ctx, previous);
            throw new errors/* UserError */.yo(ctx.target.label, test.code !== 0
                ? `sshd -t rejected the hardened config: ${test.stderr.trim()}`
                : `the drop-in did not take effect (${left.join('; ')})`, 'check that /etc/ssh/sshd_config starts with `Include /etc/ssh/sshd_config.d/*.conf` and has no Match block overriding these settings');
        }
        await reloadSshd(ctx);
        // Prove it again after the reload; undo if the deploy user cannot get in any more.
        const after = await ctx.probeLogin(ctx.settings.deployUser, 'deploy', ['true'], 2);
        if (!after.ok) {
            await restore(ctx, previous);
            await reloadSshd(ctx);
            throw new errors/* UserError */.yo(ctx.target.label, `after hardening, ${ctx.settings.deployUser} could not log in (${after.error}); the previous sshd config was restored`, 'report this with the sshd log');
        }
    },
};

;// CONCATENATED MODULE: ./src/provision/steps/updates.ts

const AUTO_UPGRADES = '/etc/apt/apt.conf.d/20auto-upgrades';
/**
 * The periodic switches (what `dpkg-reconfigure unattended-upgrades` writes). Which origins are
 * upgraded stays with the distribution's 50unattended-upgrades, whose default is the security
 * pocket on both Debian and Ubuntu.
 */
const AUTO_UPGRADES_TEXT = [
    '// Managed by ragship provision: daily security upgrades',
    'APT::Periodic::Update-Package-Lists "1";',
    'APT::Periodic::Unattended-Upgrade "1";',
    'APT::Periodic::AutocleanInterval "7";',
    '',
].join('\n');
const TIMERS = ['apt-daily.timer', 'apt-daily-upgrade.timer'];
const unattendedUpgradesStep = {
    id: 'unattended-upgrades',
    title: 'Unattended security upgrades',
    async check(ctx) {
        const changes = [];
        if ((await ctx.target.readFile(AUTO_UPGRADES)) !== AUTO_UPGRADES_TEXT)
            changes.push(`write ${AUTO_UPGRADES} (daily lists + unattended-upgrade)`);
        for (const timer of TIMERS) {
            const { enabled } = await unitState(ctx.target, timer);
            if (enabled !== 'enabled')
                changes.push(`enable ${timer} (is ${enabled})`);
        }
        return changes;
    },
    async apply(ctx) {
        await ctx.target.writeFile(AUTO_UPGRADES, AUTO_UPGRADES_TEXT);
        await ctx.target.run(['systemctl', 'enable', '--now', ...TIMERS]);
    },
};
const OTHER_TIME_DAEMONS = ['chrony', 'ntp', 'ntpsec', 'openntpd'];
const timeSyncStep = {
    id: 'time-sync',
    title: 'Time synchronisation',
    async check(ctx) {
        const other = [...(await installed(ctx.target, OTHER_TIME_DAEMONS))];
        if (other.length > 0) {
            ctx.logger.info(`${ctx.target.label}: time is synchronised by ${other.join(', ')}; left as is`);
            return [];
        }
        const { enabled } = await unitState(ctx.target, 'systemd-timesyncd');
        return enabled === 'enabled' ? [] : [`enable systemd-timesyncd (is ${enabled})`];
    },
    async apply(ctx) {
        // In a container the unit's ConditionVirtualization=!container keeps it from running; enabling is still correct.
        await ctx.target.run(['systemctl', 'enable', '--now', 'systemd-timesyncd']);
    },
};

;// CONCATENATED MODULE: ./src/provision/steps/users.ts



const KEY_TYPE = /^(ssh-|ecdsa-|sk-)/;
/** The blob of an authorized_keys line (options, if any, come before the key type). */
function blobOf(line) {
    const tokens = line.trim().split(/\s+/);
    const i = tokens.findIndex((t) => KEY_TYPE.test(t));
    return i >= 0 ? tokens[i + 1] : undefined;
}
/**
 * authorized_keys with our keys present exactly once, with our options; lines for other keys
 * (added by people) are kept as they are.
 */
function mergeAuthorizedKeys(current, keys, options) {
    const wanted = keys.map((k, i) => {
        const { type, blob, comment } = (0,provision_settings/* parsePublicKey */.ee)(k, `deploy key ${i}`);
        return { blob, line: [options, type, blob, comment || 'ragship-deploy'].filter(Boolean).join(' ') };
    });
    const byBlob = new Map(wanted.map((w) => [w.blob, w.line]));
    const out = [];
    const placed = new Set();
    for (const line of (current ?? '').split('\n')) {
        if (line.trim() === '')
            continue;
        const blob = blobOf(line);
        if (blob && byBlob.has(blob)) {
            if (!placed.has(blob))
                out.push(byBlob.get(blob));
            placed.add(blob);
        }
        else
            out.push(line);
    }
    for (const w of wanted)
        if (!placed.has(w.blob))
            out.push(w.line);
    return `${out.join('\n')}\n`;
}
async function account(t, user) {
    const pw = await t.run(['getent', 'passwd', user], { allowFailure: true });
    if (pw.code !== 0)
        return undefined;
    const f = pw.stdout.trim().split(':');
    const groups = (await t.out(['id', '-nG', user])).split(/\s+/);
    const shadow = await t.run(['getent', 'shadow', user], { allowFailure: true });
    const locked = (shadow.stdout.split(':')[1] ?? '').startsWith('!');
    return { home: f[5] ?? `/home/${user}`, shell: f[6] ?? '', groups, locked };
}
async function modes(t, paths) {
    const r = await t.run(['stat', '-c', '%n %a %U:%G', ...paths], { allowFailure: true });
    const m = new Map();
    for (const line of r.stdout.trim().split('\n')) {
        const at = line.lastIndexOf(' ', line.lastIndexOf(' ') - 1);
        if (at > 0)
            m.set(line.slice(0, at), line.slice(at + 1));
    }
    return m;
}
/** Differences for a login user with keys: account, groups, password lock, ~/.ssh modes, keys. */
async function loginUserChanges(t, user, group, keys, options) {
    const acct = await account(t, user);
    if (!acct)
        return [
            `create user ${user}${group ? ` in group ${group}` : ''}`,
            `install ${keys.length} key(s) in ~${user}/.ssh/authorized_keys`,
        ];
    const changes = [];
    if (group && !acct.groups.includes(group))
        changes.push(`add ${user} to group ${group}`);
    if (acct.locked)
        changes.push(`unlock ${user} for key logins (password field ! → *: still no password)`);
    const ssh = `${acct.home}/.ssh`;
    const file = `${ssh}/authorized_keys`;
    const have = await t.readFile(file);
    if (have !== mergeAuthorizedKeys(have, keys, options))
        changes.push(`${have === undefined ? 'write' : 'update'} ${file} (${keys.length} key(s), options: ${options || 'none'})`);
    const m = await modes(t, [ssh, file]);
    if (m.get(ssh) !== `700 ${user}:${user}` && m.has(ssh))
        changes.push(`fix ${ssh} to 700 ${user}:${user} (is ${m.get(ssh)})`);
    if (have !== undefined && m.get(file) !== `600 ${user}:${user}`)
        changes.push(`fix ${file} to 600 ${user}:${user} (is ${m.get(file)})`);
    return changes;
}
async function applyLoginUser(t, user, group, keys, options) {
    if (group && !(await t.ok(['getent', 'group', group])))
        await t.run(['groupadd', '--system', group]);
    if (!(await account(t, user))) {
        await t.run([
            'useradd',
            '--create-home',
            '--shell',
            '/bin/bash',
            '--user-group',
            ...(group ? ['--groups', group] : []),
            user,
        ]);
    }
    const acct = (await account(t, user));
    if (group && !acct.groups.includes(group))
        await t.run(['usermod', '--append', '--groups', group, user]);
    // '*' = no valid password but not locked: sshd (UsePAM no) refuses locked accounts even for keys.
    if (acct.locked)
        await t.run(['usermod', '--password', '*', user]);
    const ssh = `${acct.home}/.ssh`;
    await t.run(['install', '-d', '-m', '0700', '-o', user, '-g', user, ssh]);
    await t.run(['chown', `${user}:${user}`, ssh]);
    await t.run(['chmod', '0700', ssh]);
    const file = `${ssh}/authorized_keys`;
    const have = await t.readFile(file);
    await t.writeFile(file, mergeAuthorizedKeys(have, keys, options), '0600', `${user}:${user}`);
}
const deployUserStep = {
    id: 'deploy-user',
    title: 'Deploy user (docker group, deploy key with restricted options)',
    check: (ctx) => loginUserChanges(ctx.target, ctx.settings.deployUser, 'docker', ctx.settings.deployPublicKeys, ctx.settings.deployKeyOptions),
    apply: (ctx) => applyLoginUser(ctx.target, ctx.settings.deployUser, 'docker', ctx.settings.deployPublicKeys, ctx.settings.deployKeyOptions),
};
const deployRootStep = {
    id: 'deploy-root',
    title: 'Deploy root owned by the deploy user',
    async check(ctx) {
        const { deployRoot: root, deployUser: user } = ctx.settings;
        const m = await modes(ctx.target, [root]);
        const want = `750 ${user}:${user}`;
        if (!m.has(root))
            return [`create ${root} (${want})`];
        return m.get(root) === want ? [] : [`fix ${root} to ${want} (is ${m.get(root)})`];
    },
    async apply(ctx) {
        const { deployRoot: root, deployUser: user } = ctx.settings;
        if (!(await ctx.target.ok(['getent', 'passwd', user]))) {
            throw new errors/* UserError */.yo(ctx.target.label, `deploy user ${user} does not exist`, 'run the deploy-user step too');
        }
        await ctx.target.run(['install', '-d', '-m', '0750', '-o', user, '-g', user, root]);
        await ctx.target.run(['chown', `${user}:${user}`, root]);
        await ctx.target.run(['chmod', '0750', root]);
    },
};
function sudoersFile(user) {
    return {
        path: `/etc/sudoers.d/90-ragship-${user}`,
        text: `# Managed by ragship provision: the admin user that later provisioning runs log in as.\n${user} ALL=(ALL:ALL) NOPASSWD:ALL\n`,
    };
}
function adminOf(ctx) {
    const { adminUser, adminPublicKey } = ctx.settings;
    if (!adminUser || !adminPublicKey)
        throw new Error('admin-user step without an admin user');
    return { user: adminUser, key: adminPublicKey };
}
const adminUserStep = {
    id: 'admin-user',
    title: 'Admin user (passwordless sudo, the provisioning key) for runs after root login is off',
    async check(ctx) {
        const { user, key } = adminOf(ctx);
        const changes = await loginUserChanges(ctx.target, user, undefined, [key], '');
        if (!(await installed(ctx.target, ['sudo'])).has('sudo'))
            changes.push('install sudo');
        const s = sudoersFile(user);
        if ((await ctx.target.readFile(s.path)) !== s.text)
            changes.push(`write ${s.path} (NOPASSWD sudo)`);
        return changes;
    },
    async apply(ctx) {
        const { user, key } = adminOf(ctx);
        if (!(await installed(ctx.target, ['sudo'])).has('sudo')) {
            await ctx.target.run(aptUpdate(), { timeoutMs: 900_000 });
            await ctx.target.run(aptInstall(['sudo']), { timeoutMs: 900_000 });
        }
        await applyLoginUser(ctx.target, user, undefined, [key], '');
        const s = sudoersFile(user);
        const tmp = `${s.path}.ragship-new`;
        await ctx.target.writeFile(tmp, s.text, '0440');
        // A broken sudoers file would take sudo away from everyone: validate before it goes live.
        const check = await ctx.target.run(['visudo', '-c', '-q', '-f', tmp], { allowFailure: true });
        if (check.code !== 0) {
            await ctx.target.run(['rm', '-f', tmp]);
            throw new errors/* UserError */.yo(ctx.target.label, `visudo rejected ${s.path}: ${check.stderr.trim() || check.stdout.trim()}`, 'report this as a ragship bug');
        }
        await ctx.target.run(['mv', '-f', tmp, s.path]);
    },
};

;// CONCATENATED MODULE: ./src/provision/target.ts
/** Exit code the read helper uses for "file does not exist" (cat itself never exits 3). */
const MISSING = 3;
const READ = '[ -e "$1" ] || exit 3; exec cat -- "$1"';
// The temp file is created next to the target (same filesystem → atomic mv), with the final
// mode and owner before any content is visible under the real name.
const WRITE = 'set -e; umask 077; t=$(mktemp "$1.ragship.XXXXXX"); trap \'rm -f "$t"\' EXIT; cat >"$t"; chmod "$2" "$t"; chown "$3" "$t"; mv -f "$t" "$1"; trap - EXIT';
/**
 * The host as provisioning sees it: every command runs as root — directly when connected as
 * root, through `sudo -n` (never prompting) for a sudo user.
 */
class Target {
    port;
    asRoot;
    constructor(port, asRoot) {
        this.port = port;
        this.asRoot = asRoot;
    }
    get label() {
        return this.port.label;
    }
    /** argv as root: unchanged for root, `sudo -n -- argv` otherwise. */
    rootArgv(argv) {
        return this.asRoot ? argv : ['sudo', '-n', '--', ...argv];
    }
    run(argv, options = {}) {
        return this.port.exec(this.rootArgv(argv), options);
    }
    /** Exit status 0? (for checks such as `id deploy` or `dpkg-query`). */
    async ok(argv) {
        return (await this.run(argv, { allowFailure: true })).code === 0;
    }
    /** stdout of a command that must succeed, trimmed. */
    async out(argv) {
        return (await this.run(argv)).stdout.trim();
    }
    /** File content, or undefined when the file does not exist. */
    async readFile(path) {
        const r = await this.run(['sh', '-c', READ, 'sh', path], { allowFailure: true });
        if (r.code === MISSING)
            return undefined;
        if (r.code !== 0)
            throw new Error(`reading ${path} on ${this.label} failed (${r.code}): ${r.stderr.trim()}`);
        return r.stdout;
    }
    /** Writes a file atomically with mode and owner (content over stdin, never argv). */
    async writeFile(path, content, mode = '0644', owner = 'root:root') {
        await this.run(['sh', '-c', WRITE, 'sh', path, mode, owner], {
            input: content,
            where: `${this.label} writing ${path}`,
        });
    }
}

;// CONCATENATED MODULE: ./src/provision/run.ts

















/** In order: sshd hardening is last, so the guard runs against a host that is otherwise done. */
const STEPS = [
    packagesStep,
    dockerStep,
    dockerLogsStep,
    journaldStep,
    deployUserStep,
    deployRootStep,
    adminUserStep,
    firewallStep,
    fail2banStep,
    unattendedUpgradesStep,
    timeSyncStep,
    gpuStep,
    sshdStep,
];
/** `ssh-ed25519 AAAA… comment` for an OpenSSH private key. */
function publicKeyOf(privateKey, where, comment) {
    // ssh2 is CommonJS: under plain Node ESM only its default export is reliable.
    const parsed = lib_default().utils.parseKey(privateKey);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error)
        throw new errors/* ConfigError */.xL(where, `is not a usable private key${key instanceof Error ? ` (${key.message})` : ''}`, 'give an unencrypted OpenSSH private key');
    return `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}`;
}
/**
 * Runs the steps on one host: check → apply → check again. Each step reports changed or
 * unchanged; a dry run only checks. The first failing step stops the host.
 */
async function provisionHost(port, connectedAs, settings, logger, probeLogin) {
    const outcome = { host: port.label, steps: [] };
    const target = new Target(port, connectedAs === 'root');
    try {
        if (!target.asRoot) {
            const sudo = await port.exec(['sudo', '-n', 'true'], { allowFailure: true });
            if (sudo.code !== 0)
                throw new errors/* UserError */.yo(port.label, `${connectedAs} cannot run \`sudo -n\` (${sudo.stderr.trim()})`, `connect as root, or give ${connectedAs} NOPASSWD sudo`);
        }
        const os = await detectOs(target);
        const ctx = { target, settings, os, logger, connectedAs, probeLogin };
        for (const step of STEPS) {
            if (!settings.steps.has(step.id))
                continue;
            const started = performance.now();
            const record = (status, changes, error) => outcome.steps.push({
                id: step.id,
                title: step.title,
                status,
                changes,
                durationMs: performance.now() - started,
                error,
            });
            try {
                await logger.group(`${port.label}: ${step.id}`, async () => {
                    try {
                        await runStep();
                    }
                    catch (err) {
                        // The group's closing line does not say whether it failed; this does.
                        logger.error(`${step.id} failed: ${(0,errors/* errorMessage */.gJ)(err)}`);
                        throw err;
                    }
                });
            }
            catch (err) {
                record('failed', [], (0,errors/* errorMessage */.gJ)(err));
                throw err;
            }
            async function runStep() {
                const changes = await step.check(ctx);
                if (changes.length === 0) {
                    logger.info('unchanged');
                    return record('unchanged', []);
                }
                for (const c of changes)
                    logger.info(`${settings.dryRun ? 'would ' : ''}${c}`);
                if (settings.dryRun)
                    return record('planned', changes);
                await step.apply(ctx, changes);
                const left = await step.check(ctx);
                if (left.length > 0)
                    throw new Error(`step ${step.id} did not converge; still different: ${left.join('; ')}`);
                record('changed', changes);
            }
        }
    }
    catch (err) {
        outcome.error = (0,errors/* errorMessage */.gJ)(err);
        throw Object.assign(err, { outcome });
    }
    return outcome;
}
async function runProvision(inputs, logger) {
    const specs = inputs.hosts.map((h, i) => (0,validate/* parseHostSpec */.nn)(h, `hosts[${i}]`, 'root'));
    if (specs.length === 0)
        throw new errors/* ConfigError */.xL('hosts', 'is empty', 'give at least one user@host[:port]');
    logger.setSecret(inputs.sshPrivateKey);
    logger.setSecret(inputs.deployPrivateKey);
    const settings = (0,provision_settings/* settingsFrom */.ms)(inputs, {
        deployPublicKey: inputs.deployPrivateKey
            ? publicKeyOf(inputs.deployPrivateKey, 'deploy-private-key', `${inputs.deployUser}@ragship`)
            : undefined,
        adminPublicKey: inputs.adminUser
            ? publicKeyOf(inputs.sshPrivateKey, 'ssh-private-key', `${inputs.adminUser}@ragship`)
            : undefined,
    });
    const hostKeys = { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints };
    const jump = (0,ssh_proxy/* jumpFor */.cX)(inputs.sshProxy, {
        privateKey: inputs.sshPrivateKey,
        hostKeys,
        connectTimeoutMs: inputs.connectTimeoutMs,
    });
    const hosts = [];
    let error;
    for (const spec of specs) {
        const host = new RemoteHost({
            ...spec,
            privateKey: inputs.sshPrivateKey,
            hostKeys,
            connectTimeoutMs: inputs.connectTimeoutMs,
            jump,
            logger,
        });
        const probeLogin = async (user, key, argv, attempts = 1) => {
            const probe = new RemoteHost({
                ...spec,
                user,
                privateKey: key === 'deploy' ? inputs.deployPrivateKey : inputs.sshPrivateKey,
                hostKeys,
                connectTimeoutMs: inputs.connectTimeoutMs,
                // Each attempt counts against `ufw limit` (6 new connections per 30 s): keep them few.
                connectAttempts: attempts,
                jump,
                logger,
            });
            try {
                const r = await probe.exec(argv, { timeoutMs: 30_000 });
                return { ok: true, stdout: r.stdout };
            }
            catch (err) {
                return { ok: false, error: (0,errors/* errorMessage */.gJ)(err) };
            }
            finally {
                probe.close();
            }
        };
        try {
            hosts.push(await provisionHost(host, spec.user, settings, logger, probeLogin));
        }
        catch (err) {
            hosts.push(err.outcome ?? {
                host: host.label,
                steps: [],
                error: (0,errors/* errorMessage */.gJ)(err),
            });
            error ??= err;
        }
        finally {
            host.close();
        }
    }
    const changed = hosts.reduce((n, h) => n + h.steps.filter((s) => s.status === 'changed' || s.status === 'planned').length, 0);
    return { hosts, changed, dryRun: settings.dryRun, report: provisionReport(hosts, settings.dryRun), error };
}
function provisionReport(hosts, dryRun) {
    const report = new Report().heading(dryRun ? 'Provision plan (dry run)' : 'Provision');
    for (const h of hosts) {
        const n = h.steps.filter((s) => s.status === 'changed' || s.status === 'planned').length;
        report.heading(`${h.host}: ${h.error ? 'failed' : n === 0 ? 'no changes' : `${n} step(s) ${dryRun ? 'to change' : 'changed'}`}`, 3);
        report.table(['step', 'result', 'changes', 'time'], h.steps.map((s) => [
            s.id,
            s.status,
            s.error ?? (s.changes.join('; ') || '—'),
            (0,logger/* formatDuration */.a3)(s.durationMs),
        ]));
        if (h.error)
            report.text(`**Error:** ${h.error}`);
    }
    if (dryRun)
        report.text('Dry run: each step read its host over SSH (the connection and host key were checked) and changed nothing. ' +
            "Checked only when applied: each step's result, and the lock-out guard — the deploy user (--deploy-key-file) " +
            'and the --admin-user log in over new connections before sshd is changed; if one cannot, sshd is left as it is.');
    return report;
}


/***/ })

};
