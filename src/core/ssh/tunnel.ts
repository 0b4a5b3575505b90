import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface RemoteForward {
  bindHost: string;
  bindPort: number;
  target: { host: string; port: number };
}

/** Asks the host to listen on `f.bindHost:f.bindPort` for this connection (`ssh -R`). */
export function listenRemote(client: Client, f: RemoteForward, label: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.forwardIn(f.bindHost, f.bindPort, (err) =>
      err
        ? reject(
            new UserError(
              `${label} tunnel`,
              `the host refused to listen on ${f.bindHost}:${f.bindPort} for the tunnel to ${f.target.host}:${f.target.port} (${err.message}): the port is taken on the host, or the key may not forward ports (authorized_keys "restrict" without "port-forwarding,permitlisten=…", or AllowTcpForwarding no)`,
              `free port ${f.bindPort} on the host and allow it for the deploy key: provision with registry-tunnel-port: ${f.bindPort}, or add port-forwarding,permitlisten="localhost:${f.bindPort}" to its authorized_keys line`,
            ),
          )
        : resolve(),
    ),
  );
}

/** Carries one connection the host accepted on a remote forward to its local target. */
export function acceptForwarded(
  f: RemoteForward | undefined,
  accept: () => ClientChannel,
  refuse: () => void,
  label: string,
  logger?: Logger,
): void {
  if (!f) {
    refuse();
    return;
  }
  const channel = accept();
  // autoSelectFamily: "localhost" may resolve to ::1 first while the target listens on 127.0.0.1.
  const socket = tcpConnect({ host: f.target.host, port: f.target.port, autoSelectFamily: true });
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
    if (hadError) channel.destroy();
  });
  channel.pipe(socket).pipe(channel);
}

/** A stream to `host:port` as the host sees it (`ssh -L`'s channel). */
export function forwardOut(client: Client, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream))),
  );
}
