import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { parseRetryAfter, RetryableError } from './backoff.js';
import { canonicalJson, type EvalCase, type LoadedSuite, sha256 } from './suite.js';

/** What a target returned for one case, normalised. */
export interface TargetResponse {
  answer: string;
  /** Retrieved source ids, in rank order. */
  sources: string[];
  /** Retrieved passages, when the target returns them (for faithfulness judging). */
  contexts: string[];
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface Target {
  /** Identity in the cache key: config + the app version. */
  readonly identity: string;
  /**
   * A version identity was given (suite `identity:`, `--identity`, the head sha): responses
   * may be reused from the cache. Without one, every case calls the target.
   */
  readonly reusable: boolean;
  readonly label: string;
  /** Checks the target answers at all (HTTP targets); throws a ConfigError naming the cause. */
  preflight?(): Promise<void>;
  call(c: EvalCase): Promise<TargetResponse>;
}

/** A permanent target failure (4xx other than 429, bad response): counted as an error, not retried. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

/** Dotted path with `[n]` indexes: `usage.prompt_tokens`, `data[0].text`. */
export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
    if (cur === null || cur === undefined) return undefined;
    cur =
      /^\d+$/.test(part) && Array.isArray(cur) ? cur[Number(part)] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Fills "{{question}}", "{{id}}", "{{vars.NAME}}" in a JSON template; a whole-string placeholder keeps the value's type. */
export function fillTemplate(template: unknown, c: EvalCase): unknown {
  const lookup = (key: string): unknown =>
    key.startsWith('vars.') ? c.vars[key.slice(5)] : (c as Record<string, unknown>)[key];
  if (typeof template === 'string') {
    const whole = /^\{\{\s*([\w.]+)\s*\}\}$/.exec(template);
    if (whole) return lookup(whole[1]!);
    return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, key: string) => String(lookup(key) ?? ''));
  }
  if (Array.isArray(template)) return template.map((t) => fillTemplate(t, c));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, c)]));
  }
  return template;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function normaliseResponse(
  raw: unknown,
  map: {
    answer: string;
    sources: string;
    source_id: string;
    source_text: string;
    prompt_tokens: string;
    completion_tokens: string;
    cost_usd: string;
  },
): TargetResponse {
  const answer = getPath(raw, map.answer);
  if (typeof answer !== 'string') throw new TargetError(`response has no string at \`${map.answer}\``);
  const list = getPath(raw, map.sources);
  const sources: string[] = [];
  const contexts: string[] = [];
  if (Array.isArray(list)) {
    for (const s of list) {
      if (typeof s === 'string') sources.push(s);
      else if (s && typeof s === 'object') {
        const id = getPath(s, map.source_id);
        if (typeof id === 'string') sources.push(id);
        const text = getPath(s, map.source_text);
        if (typeof text === 'string') contexts.push(text);
      }
    }
  }
  return {
    answer,
    sources,
    contexts,
    promptTokens: num(getPath(raw, map.prompt_tokens)),
    completionTokens: num(getPath(raw, map.completion_tokens)),
    costUsd: num(getPath(raw, map.cost_usd)),
  };
}

export interface TargetOverrides {
  /** Replace the suite's URL (e.g. a merge-base app started for the baseline). */
  url?: string;
  /**
   * The app version in the cache key (git sha, image digest). It adds to the suite's
   * `identity:`, never replaces it: both are in the key.
   */
  identity?: string;
  fetch?: typeof fetch;
}

/** "fetch failed" says nothing: the cause (ECONNREFUSED 127.0.0.1:9, ENOTFOUND host) does. */
export function fetchErrorMessage(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e?.cause?.message ?? e?.cause?.code;
  const msg = e?.name === 'TimeoutError' ? 'timed out' : (e?.message ?? String(err));
  return cause && !msg.includes(cause) ? `${msg} (${cause})` : msg;
}

/**
 * One request before the run: an unreachable target fails in seconds with its cause instead
 * of every case retrying. Any HTTP answer (even 404/405) proves the app is listening.
 */
export async function preflightHttp(
  method: string,
  url: string,
  doFetch: typeof fetch = fetch,
  timeoutMs = 10_000,
): Promise<void> {
  try {
    const res = await doFetch(url, {
      method: method === 'GET' ? 'GET' : 'HEAD',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
  } catch (err) {
    throw new ConfigError(
      'target',
      `${url} is unreachable: ${fetchErrorMessage(err)} (preflight request, before any case ran)`,
      'start the app first, or fix target.url in the suite / --target-url / the target-url input',
    );
  }
}

export async function createTarget(suite: LoadedSuite, overrides: TargetOverrides = {}): Promise<Target> {
  const t = suite.config.target;
  const given = [t.identity, overrides.identity ?? ''].filter((v) => v !== '');
  const version = given.join('\n');
  const reusable = given.length > 0;
  if (t.type === 'http') {
    const url = overrides.url ?? t.url;
    const doFetch = overrides.fetch ?? fetch;
    const identity = sha256(canonicalJson({ type: 'http', url, method: t.method, body: t.body, version }));
    return {
      identity,
      reusable,
      label: `${t.method} ${url}`,
      preflight: () => preflightHttp(t.method, url, doFetch),
      async call(c) {
        let res: Response;
        try {
          res = await doFetch(url, {
            method: t.method,
            headers: { 'content-type': 'application/json', accept: 'application/json', ...t.headers },
            body: t.method === 'GET' ? undefined : JSON.stringify(fillTemplate(t.body, c)),
            signal: AbortSignal.timeout(t.timeout_ms),
          });
        } catch (err) {
          // Connection refused/reset and timeouts are worth a retry.
          throw new RetryableError(`${t.method} ${url}: ${fetchErrorMessage(err)}`);
        }
        const text = await res.text();
        if (res.status === 429 || res.status >= 500) {
          throw new RetryableError(
            `${t.method} ${url} answered ${res.status}`,
            res.status,
            parseRetryAfter(res.headers.get('retry-after')),
          );
        }
        if (!res.ok)
          throw new TargetError(`${t.method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new TargetError(`${t.method} ${url} answered non-JSON: ${text.slice(0, 200)}`);
        }
        return normaliseResponse(raw, t.response);
      },
    };
  }
  const modPath = isAbsolute(t.path) ? t.path : resolve(suite.path, '..', t.path);
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(modPath).href);
  } catch (err) {
    throw new ConfigError(
      `${suite.path} target.path`,
      `cannot import ${modPath}: ${(err as Error).message}`,
      'give a JS module path relative to the suite file',
    );
  }
  const fn = mod[t.export];
  if (typeof fn !== 'function')
    throw new ConfigError(
      `${suite.path} target.export`,
      `${modPath} has no function export \`${t.export}\``,
      'export an async function (case) => result',
    );
  const identity = sha256(canonicalJson({ type: 'module', path: modPath, export: t.export, version }));
  const map = {
    answer: 'answer',
    sources: 'sources',
    source_id: 'id',
    source_text: 'text',
    prompt_tokens: 'usage.prompt_tokens',
    completion_tokens: 'usage.completion_tokens',
    cost_usd: 'cost_usd',
  };
  return {
    identity,
    reusable,
    label: `${modPath}#${t.export}`,
    async call(c) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const raw = await Promise.race([
          (fn as (c: EvalCase) => Promise<unknown>)(c),
          new Promise((_r, reject) => {
            timer = setTimeout(
              () => reject(new RetryableError(`timed out after ${t.timeout_ms} ms`)),
              t.timeout_ms,
            );
          }),
        ]);
        return normaliseResponse(raw, map);
      } finally {
        // A pending timer per case would keep every case's closure alive until it fires.
        clearTimeout(timer);
      }
    },
  };
}
