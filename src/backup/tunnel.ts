import { type AddressInfo, createServer, type Server } from 'node:net';
import type { Host } from '../core/host.js';

/**
 * A local port forwarded over the host's one SSH connection to `targetHost:targetPort` as the
 * host sees it (e.g. the Chroma container's bridge address), so the runner can speak Chroma's
 * API without publishing its port.
 */
export interface Tunnel {
  url: string;
  close(): Promise<void>;
}

export async function openTunnel(host: Host, targetHost: string, targetPort: number): Promise<Tunnel> {
  const server: Server = createServer((socket) => {
    host.forward(targetHost, targetPort).then(
      (stream) => {
        socket.pipe(stream).pipe(socket);
        socket.on('error', () => stream.destroy());
        stream.on('error', () => socket.destroy());
        socket.on('close', () => stream.destroy());
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would hold close() open.
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
        setTimeout(resolve, 500).unref();
      }),
  };
}
