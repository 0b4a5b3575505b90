import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { runBuildPush } from '../../../src/build/build-push.js';
import { execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';

const run = promisify(execFile);
export const APP_DIR = new URL('../../../example-app/', import.meta.url).pathname;
export const E2E_IMAGE = 'ragship-example/app:e2e';

export async function sh(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 600_000) {
  try {
    const r = await run(cmd, args, {
      cwd: APP_DIR,
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      maxBuffer: 64 << 20,
    });
    return r.stdout;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`,
    );
  }
}

/**
 * The app image built from the sandbox node base (layer cache makes re-runs quick), by the build
 * action's own code and builder detection: its Dockerfile's cache mounts need BuildKit (or the
 * action's rewrite for the legacy builder), which a plain `docker build` of a newer client lacks.
 */
export async function buildAppImage(nodeImage: string): Promise<string> {
  const [repository, tag] = E2E_IMAGE.split(':') as [string, string];
  await runBuildPush(
    {
      context: APP_DIR,
      buildArgs: { NODE_IMAGE: nodeImage },
      secrets: {},
      secretFiles: {},
      platforms: [],
      registry: '',
      image: repository,
      push: false,
      cache: 'none',
      provenance: false,
      sbom: false,
      tags: [tag],
      labels: {},
      builder: 'auto',
      git: { eventName: 'push', ref: 'refs/heads/e2e', sha: '0000000000000000000000000000000000000002' },
      tempDir: tmpdir(),
    },
    { exec: execLocal, logger: new MemoryLogger() },
  );
  return E2E_IMAGE;
}

/** A docker-compose v1 project over example-app/compose.yaml. */
export function composeProject(project: string, env: Record<string, string>) {
  const compose = (...args: string[]) =>
    sh('docker-compose', ['-p', project, '-f', 'compose.yaml', ...args], env);
  return {
    compose,
    async containerIds(service: string): Promise<string[]> {
      return (await compose('ps', '-q', service)).split('\n').filter(Boolean);
    },
    async health(id: string): Promise<string> {
      return (await sh('docker', ['inspect', '-f', '{{.State.Health.Status}}', id])).trim();
    },
    async waitHealthy(service: string, timeoutMs = 180_000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ids = await this.containerIds(service);
        const states = await Promise.all(ids.map((id) => this.health(id)));
        if (ids.length > 0 && states.every((s) => s === 'healthy')) return ids;
        if (Date.now() > deadline) {
          const logs = await compose('logs', '--tail', '50', service).catch((e) => String(e));
          throw new Error(`${service} not healthy after ${timeoutMs} ms: ${states.join(',')}\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    down: () => compose('down', '-v', '--remove-orphans'),
  };
}

export async function waitHttp(
  url: string,
  init: RequestInit,
  ok: (r: Response) => boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const r = await fetch(url, init);
      if (ok(r)) return r;
      last = `${r.status} ${await r.text()}`;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become ready: ${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
