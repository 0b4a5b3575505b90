import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 795;
export const ids = [795];
export const modules = {

/***/ 7795:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runHostCheck: () => (/* binding */ runHostCheck)
});

// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
var lib_default = /*#__PURE__*/__webpack_require__.n(lib);
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

;// CONCATENATED MODULE: ./src/preflight/host-check-run.ts





/** Connects to every host with a verified key and reports docker, compose and disk. */
async function runHostCheck(inputs, logger) {
    // Validate every host before opening any connection.
    const specs = inputs.hosts.map((h, i) => (0,validate/* parseHostSpec */.nn)(h, `hosts[${i}]`));
    const hostKeys = { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints };
    const jump = (0,ssh_proxy/* jumpFor */.cX)(inputs.sshProxy, {
        privateKey: inputs.sshPrivateKey,
        hostKeys,
        connectTimeoutMs: inputs.connectTimeoutMs,
    });
    const facts = [];
    let connectionsOpened = 0;
    for (const spec of specs) {
        const host = new RemoteHost({
            ...spec,
            privateKey: inputs.sshPrivateKey,
            hostKeys,
            connectTimeoutMs: inputs.connectTimeoutMs,
            jump,
            logger,
        });
        try {
            facts.push(await logger.group(`check ${host.label}`, () => checkHost(host, logger)));
        }
        finally {
            connectionsOpened += host.connectionsOpened;
            host.close();
        }
    }
    const report = new Report().heading('Host check').table(['host', 'docker', 'compose', 'free disk'], facts.map((f) => [
        f.host,
        f.dockerVersion,
        `${f.compose.join(' ')} ${f.composeVersion}`,
        `${(f.freeDiskBytes / 2 ** 30).toFixed(1)} GiB`,
    ]));
    return { facts, report, connectionsOpened };
}


/***/ })

};
