import type { Host } from '../core/host.js';
import { nodeList, serviceLogsOf, servicePs, serviceRemove } from './commands.js';
import { downNodesOf } from './converge.js';

/** A task line of `docker service ps` (servicePs format). */
export interface TaskRow {
  name: string;
  node: string;
  desired: string;
  current: string;
  error: string;
  image: string;
}

export function parseTasks(stdout: string): TaskRow[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [name = '', node = '', desired = '', current = '', error = '', image = ''] = l.split('\t');
      return { name, node, desired, current, error, image };
    });
}

/** The service a task belongs to: `stack_app.2` → `stack_app`, `stack_proxy.<node id>` too. */
export const taskService = (task: string): string => task.replace(/\.[^.]+$/, '');

const TERMINAL = /^(Complete|Failed|Rejected|Shutdown|Orphaned|Remove)/;

/** `task: non-zero exit (3)` → 3; a completed task → 0; anything else (no exit seen) → null. */
export function exitCodeOf(t: Pick<TaskRow, 'current' | 'error'>): number | null {
  if (/^Complete/.test(t.current)) return 0;
  const m = /non-zero exit \(([0-9]+)\)/.exec(t.error);
  return m ? Number(m[1]) : null;
}

export interface LogLine {
  node: string;
  task: string;
  line: string;
}

/**
 * A line of `docker service logs` without --raw: `<task>@<node>    | <message>`, the RFC 3339
 * timestamp (with --timestamps) before the prefix or first in the message: kept first.
 */
export function parseLogLine(raw: string): LogLine | undefined {
  const m = /^(?:([0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+) )?([^ @|]+)@([^ |]+) *\| ?(.*)$/.exec(raw);
  if (!m) return undefined;
  const [, ts, task = '', node = '', msg = ''] = m;
  return { task, node, line: ts ? `${ts} ${msg}` : msg };
}

export interface JobResult {
  tasks: TaskRow[];
  stdout: LogLine[];
  stderr: LogLine[];
  /** Some task had not ended when the time ran out (e.g. its node is down). */
  timedOut: boolean;
}

/**
 * Creates a job service, waits until every task has ended (or the time is up), reads its output
 * per node and removes the service, whatever happened. The output is in the nodes' container
 * logs like any task's; callers mask secrets before printing it.
 */
export async function runJob(
  host: Pick<Host, 'exec'>,
  create: readonly string[],
  name: string,
  o: {
    timeoutSeconds: number;
    where: string;
    pollMs?: number;
    /** A global job's task on a node that is down cannot end: it does not hold the wait. */
    skipDownNodes?: boolean;
  },
): Promise<JobResult> {
  await host.exec(create, { where: o.where });
  try {
    const deadline = performance.now() + o.timeoutSeconds * 1000;
    let tasks: TaskRow[] = [];
    let timedOut = false;
    for (;;) {
      tasks = parseTasks((await host.exec(servicePs(name), { allowFailure: true })).stdout);
      const down = o.skipDownNodes
        ? new Set(downNodesOf((await host.exec(nodeList, { allowFailure: true })).stdout))
        : new Set<string>();
      if (tasks.length && tasks.every((t) => TERMINAL.test(t.current) || down.has(t.node))) break;
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    }
    const logs = await host.exec(serviceLogsOf(name, { timestamps: false }), {
      allowFailure: true,
      timeoutMs: 60_000,
    });
    const lines = (text: string) =>
      text
        .split('\n')
        .map(parseLogLine)
        .filter((l): l is LogLine => !!l);
    return { tasks, stdout: lines(logs.stdout), stderr: lines(logs.stderr), timedOut };
  } finally {
    await host.exec(serviceRemove([name]), { allowFailure: true }).catch(() => undefined);
  }
}

/** Lower-case, [a-z0-9-] service names ≤ 63 characters for ragship's jobs. */
export function jobName(stack: string, what: string, id: string): string {
  return `${stack}_${what}_${id.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 63);
}
