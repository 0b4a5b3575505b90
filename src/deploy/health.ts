import type { HealthConfig } from '../config/schema.js';
import { UserError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { Logger } from '../core/logger.js';
import { httpGet, httpPostJson, inspectContainers } from './commands.js';

export interface ContainerInfo {
  id: string;
  name: string;
  ips: string[];
  health: string;
  status: string;
  image: string;
}

export function parseInspect(stdout: string): ContainerInfo[] {
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

export async function inspect(host: Host, ids: string[]): Promise<ContainerInfo[]> {
  if (ids.length === 0) return [];
  return parseInspect((await host.exec(inspectContainers(ids))).stdout);
}

/** One probe of one container; returns what failed, or undefined when healthy. */
export async function probe(host: Host, c: ContainerInfo, h: HealthConfig): Promise<string | undefined> {
  if (h.compose) {
    const [now] = await inspect(host, [c.id]);
    if (!now) return 'container is gone';
    if (now.health !== 'healthy') return `compose health is ${now.health}`;
  }
  if (!h.http) return undefined;
  const ip = c.ips[0];
  if (!ip) return 'container has no network address';
  const base = `http://${ip.includes(':') ? `[${ip}]` : ip}:${h.port}`;
  const r = await host.exec(httpGet(`${base}${h.http}`), { allowFailure: true });
  if (r.code !== 0) return `GET ${h.http}: ${r.stderr.trim() || `curl exit ${r.code}`}`;
  if (!h.openai) return undefined;
  // vLLM: /health turns 200 once the model is loaded; prove it serves with a one-token completion.
  const models = await host.exec(httpGet(`${base}/v1/models`), { allowFailure: true });
  if (models.code !== 0) return `GET /v1/models: ${models.stderr.trim()}`;
  let model: string | undefined;
  try {
    model = (JSON.parse(models.stdout) as { data?: Array<{ id?: string }> }).data?.[0]?.id;
  } catch {
    return 'GET /v1/models did not return JSON';
  }
  if (!model) return 'GET /v1/models lists no model';
  const done = await host.exec(
    httpPostJson(`${base}/v1/completions`, { model, prompt: 'ping', max_tokens: 1, temperature: 0 }, 120),
    { allowFailure: true },
  );
  if (done.code !== 0) return `POST /v1/completions: ${done.stderr.trim()}`;
  try {
    const body = JSON.parse(done.stdout) as { choices?: unknown[] };
    if (!Array.isArray(body.choices) || body.choices.length === 0) return 'completion returned no choices';
  } catch {
    return 'completion did not return JSON';
  }
  return undefined;
}

/**
 * Waits until every container passes `successes` consecutive probes, or fails after the
 * timeout (or at once if a container exits). Returns milliseconds until healthy.
 */
export async function waitHealthy(
  host: Host,
  ids: string[],
  h: HealthConfig,
  logger: Logger,
  what: string,
): Promise<number> {
  const started = Date.now();
  const deadline = started + h.timeout * 1000;
  const streak = new Map<string, number>();
  let last = '';
  for (;;) {
    const infos = await inspect(host, ids);
    for (const c of infos) {
      if (c.status === 'exited' || c.status === 'dead') {
        throw new UserError(
          `${host.label} health gate`,
          `${what}: container ${c.name} ${c.status} before turning healthy`,
          'see the container logs below',
        );
      }
      if ((streak.get(c.id) ?? 0) >= h.successes) continue;
      const problem = await probe(host, c, h);
      if (problem) {
        streak.set(c.id, 0);
        if (problem !== last) logger.info(`${what}: ${c.name} not healthy yet (${problem})`);
        last = problem;
      } else streak.set(c.id, (streak.get(c.id) ?? 0) + 1);
    }
    if (infos.length === ids.length && infos.every((c) => (streak.get(c.id) ?? 0) >= h.successes))
      return Date.now() - started;
    if (Date.now() >= deadline) {
      throw new UserError(
        `${host.label} health gate`,
        `${what} did not turn healthy within ${h.timeout} s (last: ${last || 'no answer'})`,
        'see the container logs below; raise health.timeout if the service needs longer to start',
      );
    }
    await new Promise((r) => setTimeout(r, h.interval * 1000));
  }
}
