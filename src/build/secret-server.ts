import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves build secrets to legacy-builder RUN steps for the length of one build: loopback only,
 * behind a random 256-bit path token, closed right after the build. The URL that ends up in the
 * image history is useless once the build is over.
 */
export class SecretServer {
  private readonly token = randomBytes(32).toString('hex');
  private server?: Server;
  private port = 0;
  /** How many times each secret was fetched (tests and logs). */
  readonly fetches = new Map<string, number>();

  constructor(private readonly secrets: Record<string, Buffer>) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const prefix = `/${this.token}/`;
      const id =
        req.method === 'GET' && req.url?.startsWith(prefix)
          ? decodeURIComponent(req.url.slice(prefix.length))
          : undefined;
      const value = id !== undefined && Object.hasOwn(this.secrets, id) ? this.secrets[id] : undefined;
      if (!value || id === undefined) {
        res.writeHead(404).end();
        return;
      }
      this.fetches.set(id, (this.fetches.get(id) ?? 0) + 1);
      res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' })
        .end(value);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(id: string): string {
    if (!this.port) throw new Error('SecretServer.url before start');
    return `http://127.0.0.1:${this.port}/${this.token}/${id}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
