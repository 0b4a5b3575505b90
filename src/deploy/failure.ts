import { errorMessage } from '../core/errors.js';
import type { Annotation, Logger } from '../core/logger.js';
import { Report } from '../core/report.js';
import type { SwitchBackRecord } from './release-log.js';

/**
 * What a person needs from a failed deploy or rollback, in the job summary: where it failed
 * (host, step), why (the error), the failing service's last log lines, and what serves now.
 */
export interface DeployFailure {
  kind: 'deploy' | 'rollback';
  app: string;
  environment: string;
  releaseId?: string;
  step: string;
  host: string;
  error: string;
  /** Last log lines of the failing service, when the failure printed them. */
  logs?: string;
  /** Host → what it serves after the failure. */
  serving: Record<string, string>;
  /** Host → the release id it runs after the failure (set when a switch had passed somewhere). */
  releases?: Record<string, string>;
  /** What became of the hosts whose switch had passed (`on-failure`). */
  switchBack?: SwitchBackRecord;
}

const FAILURE = Symbol.for('ragship.deployFailure');

/** Attaches the failure's context to the error the core throws (the door writes it out). */
export function attachFailure(err: unknown, failure: DeployFailure): void {
  if (err && typeof err === 'object') (err as Record<symbol, unknown>)[FAILURE] = failure;
}

export function failureOf(err: unknown): DeployFailure | undefined {
  return err && typeof err === 'object'
    ? ((err as Record<symbol, unknown>)[FAILURE] as DeployFailure | undefined)
    : undefined;
}

/** The failed step: the last one recorded as failed, else the one that never finished. */
export function failedStep(
  timings: Array<{ step: string; host: string; ok: boolean }>,
  err: unknown,
): { step: string; host: string } {
  const f = timings.filter((t) => !t.ok).at(-1);
  // `where` of host errors reads "<user@host:port> <step>": the host of a multi-host step.
  const where = /^([^\s:]+@[^\s]+:\d+)\b/.exec(errorMessage(err))?.[1];
  if (f) return { step: f.step, host: /@/.test(f.host) ? f.host : (where ?? f.host) };
  return { step: 'before the first step', host: where ?? '' };
}

const LOG_HEADER = /^logs of (\S+) \S+ on \S+:\n/;

/** A logger that passes everything through and keeps the last service logs printed. */
export class FailureLogCapture implements Logger {
  lastLogs?: string;
  constructor(private readonly inner: Logger) {}
  debug(m: string): void {
    this.inner.debug(m);
  }
  info(m: string): void {
    this.inner.info(m);
  }
  warn(m: string, a?: Annotation): void {
    this.inner.warn(m, a);
  }
  error(m: string, a?: Annotation): void {
    if (LOG_HEADER.test(m)) this.lastLogs = m;
    this.inner.error(m, a);
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.inner.group(name, fn);
  }
  setSecret(v: string | undefined): void {
    this.inner.setSecret(v);
  }
}

const lastLines = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n');

export function failureReport(f: DeployFailure): Report {
  const r = new Report()
    .heading(`${f.kind === 'deploy' ? 'Deploy' : 'Rollback'} of ${f.app} to ${f.environment} FAILED`)
    .table(
      ['', ''],
      [
        ['release', f.releaseId ?? '—'],
        ['host', f.host || '—'],
        ['step', f.step],
      ],
    )
    .heading('Error', 3)
    .code(lastLines(f.error, 30))
    .heading('What serves now', 3)
    .table(
      ['host', 'serving'],
      Object.entries(f.serving).map(([h, s]) => [h, s]),
    );
  const b = f.switchBack;
  if (b?.hosts.length)
    r.text(`Switched back to ${b.to} after the failure: ${b.hosts.join(', ')} (on-failure: switch-back).`);
  const distinct = new Set(Object.values(f.releases ?? {}));
  if (distinct.size > 1)
    r.text(
      `**The hosts run different releases**: ${Object.entries(f.releases!)
        .map(([h, id]) => `${h} runs ${id}`)
        .join(
          '; ',
        )}${b?.reason ? ` (${b.reason})` : ''}. Deploy a fixed release or roll back to make them agree.`,
    );
  if (f.logs) r.heading('Last log lines of the failing service', 3).code(lastLines(f.logs, 40));
  return r;
}

/**
 * Host → what it serves after a failure: the new release where its switch passed, else the
 * previous — or, after a switch back (`back`), the previous again where it succeeded.
 */
export function servingAfterFailure(
  hosts: Iterable<string>,
  timings: Array<{ step: string; host: string; ok: boolean }>,
  releaseId: string,
  previous: { id: string; image: string } | undefined,
  back?: SwitchBackRecord,
): Record<string, string> {
  const out: Record<string, string> = {};
  const before = previous
    ? `${previous.id} (${previous.image}), unchanged`
    : 'nothing: no release was active before';
  for (const key of hosts) {
    const switched = timings.some(
      (t) => t.ok && t.host === key && t.step.startsWith('switch ') && !t.step.startsWith('switch back'),
    );
    if (back?.hosts.includes(key))
      out[key] = `${previous!.id} (${previous!.image}), switched back after the failure`;
    else if (back?.kept.includes(key))
      out[key] =
        `${releaseId} (the new release: its switch passed; ${back.mode === 'keep' ? 'kept: on-failure: keep' : (back.reason ?? 'not switched back')})`;
    else
      out[key] = switched ? `${releaseId} (the new release: its switch passed before the failure)` : before;
  }
  return out;
}
