import type { Duplex } from 'node:stream';
import ssh2, { Client, type ConnectConfig } from 'ssh2';
import { ConfigError, UserError } from '../errors.js';
import { type HostKeyCheck, HostKeyError, type HostKeyPolicy, hostKeyCheck } from '../known-hosts.js';
import type { Logger } from '../logger.js';

export interface RemoteHostOptions {
  host: string;
  port?: number;
  user: string;
  privateKey: string;
  passphrase?: string;
  hostKeys: HostKeyPolicy;
  /** Optional bastion; verified the same way. */
  jump?: Omit<RemoteHostOptions, 'jump' | 'logger'>;
  connectTimeoutMs?: number;
  /** Connect attempts (only the connect is retried, never a command). */
  connectAttempts?: number;
  keepaliveIntervalMs?: number;
  logger?: Logger;
  /** A name for messages, e.g. "web-1 (deploy@10.0.0.5:22)". */
  label?: string;
}

export type ConnectOptions = Omit<RemoteHostOptions, 'jump'>;

/** What the connection's owner learns during a handshake. */
export interface HandshakeEvents {
  /** The connection is authenticated and ready (attach close/forward listeners here). */
  onReady(client: Client, where: string): void;
  /** A key is about to be offered to `where` (tests prove host keys are checked first). */
  onAuthAttempt(where: string): void;
}

/** Runs `attempt` up to `attempts` times with back-off; only connection-level failures are retried. */
export async function connectWithRetry(
  attempts: number,
  label: string,
  logger: Logger | undefined,
  attempt: () => Promise<Client>,
  onFailedAttempt: () => void,
): Promise<Client> {
  const total = Math.max(1, attempts);
  let lastError: unknown;
  for (let i = 1; i <= total; i++) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      onFailedAttempt();
      // A wrong host key or a refused login will not fix itself: no retry.
      if (!isRetryable(err)) throw err;
      if (i < total) {
        logger?.warn(`${label}: connect attempt ${i}/${total} failed (${(err as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, 500 * 2 ** (i - 1)));
      }
    }
  }
  throw lastError;
}

/** A stream to `host:port` through an already connected (verified) jump client. */
export function openThroughJump(
  jumpClient: Client,
  label: string,
  host: string,
  port: number,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jumpClient.forwardOut('127.0.0.1', 0, host, port, (err, stream) =>
      err
        ? reject(
            retryable(
              new UserError(
                label,
                `jump host could not reach ${host}:${port}: ${err.message}`,
                'check the target address from the jump host',
              ),
            ),
          )
        : resolve(stream),
    );
  });
}

/** One verified, authenticated connection (over `openSock`'s stream when given, e.g. a jump host). */
export async function connectOnce(
  opts: ConnectOptions,
  events: HandshakeEvents,
  openSock?: () => Promise<Duplex>,
): Promise<Client> {
  const port = opts.port ?? 22;
  const where = opts.label ?? `${opts.user}@${opts.host}:${port}`;
  const check = hostKeyCheck(opts.hostKeys, opts.host, port, where);
  checkPrivateKey(opts, where);
  try {
    return await handshake(opts, check, openSock ? await openSock() : undefined, false, events);
  } catch (err) {
    // The server offered none of the trusted key types: learn which key it does offer
    // (a second handshake that never authenticates) so the message can show it.
    if (check.algorithms && err instanceof Error && /no matching host key/i.test(err.message)) {
      const offered = await probeHostKey(opts, events, openSock ? await openSock() : undefined);
      throw check.noCommonType(offered);
    }
    throw err;
  }
}

async function probeHostKey(
  opts: ConnectOptions,
  events: HandshakeEvents,
  sock?: Duplex,
): Promise<Buffer | undefined> {
  let offered: Buffer | undefined;
  const refuse = () => new HostKeyError(opts.host, 'host key probe', '');
  const probe: HostKeyCheck = {
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

function handshake(
  opts: ConnectOptions,
  check: HostKeyCheck,
  sock: Duplex | undefined,
  probe: boolean,
  events: HandshakeEvents,
): Promise<Client> {
  const port = opts.port ?? 22;
  const where = opts.label ?? `${opts.user}@${opts.host}:${port}`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyError: Error | undefined;
    let offered = false;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.on('ready', () => {
      settled = true;
      events.onReady(client, where);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (hostKeyError) return fail(hostKeyError);
      if (err.level === 'client-authentication') {
        return fail(
          new UserError(
            where,
            `the server refused the SSH key for user ${opts.user}`,
            `add the deploy public key to ~${opts.user}/.ssh/authorized_keys on the host`,
          ),
        );
      }
      if (/no matching host key/i.test(err.message))
        return fail(new UserError(where, `cannot connect: ${err.message}`, 'check the host key types'));
      fail(
        retryable(
          new UserError(where, `cannot connect: ${err.message}`, 'check the host, port and firewall'),
        ),
      );
    });
    client.on('close', () => {
      if (hostKeyError) fail(hostKeyError);
      else
        fail(
          retryable(new UserError(where, 'connection closed during the handshake', 'check sshd on the host')),
        );
    });
    const config: ConnectConfig = {
      host: sock ? undefined : opts.host,
      port: sock ? undefined : port,
      sock: sock as ConnectConfig['sock'],
      username: opts.user,
      privateKey: opts.privateKey,
      passphrase: opts.passphrase,
      readyTimeout: opts.connectTimeoutMs ?? 15_000,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      algorithms: check.algorithms && !probe ? { serverHostKey: check.algorithms as never } : undefined,
      hostVerifier: (key: Buffer) => {
        const verdict = check.verify(key);
        if (!verdict.ok) hostKeyError = verdict.error;
        return verdict.ok;
      },
      authHandler: (_methods, _partial, next) => {
        // One key, offered once: re-offering a refused key until sshd says "Too many
        // authentication failures" would burn fail2ban/ufw rate-limit budget.
        if (probe || offered) return next(false as never);
        offered = true;
        events.onAuthAttempt(where);
        next({
          type: 'publickey',
          username: opts.user,
          key: opts.privateKey,
          passphrase: opts.passphrase,
        } as never);
      },
    };
    client.connect(config);
  });
}

/**
 * ssh2 throws a bare "Cannot parse privateKey" from inside connect(): check the key first so a
 * wrong secret is a configuration error that says which key and what to pass.
 */
function checkPrivateKey(
  opts: Pick<RemoteHostOptions, 'privateKey' | 'passphrase' | 'user'>,
  where: string,
): void {
  const parsed = ssh2.utils.parseKey(opts.privateKey, opts.passphrase);
  const error =
    parsed instanceof Error
      ? parsed
      : Array.isArray(parsed) && parsed.length === 0
        ? new Error('no key found')
        : undefined;
  if (error) {
    throw new ConfigError(
      `${where} private key`,
      `cannot be read (${error.message.replace(/privateKey/g, 'private key')})`,
      `pass the deploy user's private key in OpenSSH or PEM format (-----BEGIN OPENSSH PRIVATE KEY-----…)${/passphrase/i.test(error.message) ? ' and its passphrase' : ''}`,
    );
  }
}

type Retryable = UserError & { retryable?: boolean };

function retryable(err: UserError): UserError {
  (err as Retryable).retryable = true;
  return err;
}

/** Only connection-level failures (refused, timed out, dropped during the handshake) are retried. */
function isRetryable(err: unknown): boolean {
  return err instanceof UserError && (err as Retryable).retryable === true;
}
