import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface StepResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  summary: string;
  /** `::error::`, `::warning::`… workflow commands found on stdout. */
  annotations: Array<{ level: string; message: string }>;
  pid?: number;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** The webhook event payload written to GITHUB_EVENT_PATH. */
  event?: unknown;
  eventName?: string;
  timeoutMs?: number;
  /** Called once the process is spawned (tests that signal the action). */
  onSpawn?: (pid: number) => void;
}

/** What the runner prints of `text`: it consumes `::add-mask::` commands instead of echoing them. */
export function printedByRunner(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

/** Everything a run leaves visible: printed stdout, stderr, the job summary, outputs and saved state. */
export function visibleAfterRun(r: StepResult): string {
  return [
    printedByRunner(r.stdout),
    r.stderr,
    r.summary,
    JSON.stringify(r.outputs),
    JSON.stringify(r.state),
  ].join('\n');
}

/** The runner's rule: INPUT_ + name upper-cased with spaces as underscores (hyphens kept). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV files (name=value and name<<DELIM heredocs). */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[key!] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

/**
 * Runs actions/<name>/dist/index.js the way the GitHub runner does, main step then
 * (optionally) post step with the state the main step saved.
 */
export class LocalActionRunner {
  readonly workdir = mkdtempSync(join(tmpdir(), 'ragship-runner-'));
  readonly actionYml: {
    inputs?: Record<string, { default?: string; required?: boolean }>;
    runs: { main: string; post?: string };
  };
  private state: Record<string, string> = {};

  /**
   * `source`: run this TypeScript entry (e.g. src/actions/eval-gate.ts) through tsx instead of the
   * bundle, with the same runner environment — for tests of action changes not yet bundled.
   */
  constructor(
    readonly action: string,
    private readonly options: { source?: string } = {},
  ) {
    this.actionYml = parseYaml(readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8'));
  }

  private async step(script: string, options: RunOptions, isPost: boolean): Promise<StepResult> {
    const files = ['output', 'state', 'env', 'summary'].map((f) => {
      const p = join(this.workdir, `${isPost ? 'post' : 'main'}-${f}`);
      writeFileSync(p, '');
      return p;
    });
    const [outputFile, stateFile, envFile, summaryFile] = files as [string, string, string, string];
    const eventPath = join(this.workdir, 'event.json');
    writeFileSync(eventPath, JSON.stringify(options.event ?? {}));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STATE: stateFile,
      GITHUB_ENV: envFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_EVENT_NAME: options.eventName ?? 'push',
      GITHUB_WORKSPACE: process.cwd(),
      RUNNER_TEMP: this.workdir,
      RUNNER_OS: 'Linux',
      ...options.env,
    };
    // Defaults from action.yml, then the given inputs — as the runner resolves them.
    for (const [name, spec] of Object.entries(this.actionYml.inputs ?? {})) {
      if (spec.default !== undefined) env[inputEnvName(name)] = String(spec.default);
    }
    for (const [name, value] of Object.entries(options.inputs ?? {})) env[inputEnvName(name)] = value;
    for (const [name, value] of Object.entries(this.state)) env[`STATE_${name}`] = value;

    const args = this.options.source
      ? ['--import', 'tsx', join(ROOT, this.options.source)]
      : [join(ROOT, 'actions', this.action, script)];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { env, cwd: process.cwd() });
      if (child.pid) options.onSpawn?.(child.pid);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => {
        stdout += c;
      });
      child.stderr.on('data', (c) => {
        stderr += c;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        const state = parseCommandFile(readFileSync(stateFile, 'utf8'));
        if (!isPost) this.state = { ...this.state, ...state };
        resolve({
          exitCode,
          stdout,
          stderr,
          outputs: parseCommandFile(readFileSync(outputFile, 'utf8')),
          state,
          env: parseCommandFile(readFileSync(envFile, 'utf8')),
          summary: readFileSync(summaryFile, 'utf8'),
          annotations: [...stdout.matchAll(/^::(error|warning|notice)[^:]*::(.*)$/gm)].map((m) => ({
            level: m[1]!,
            message: m[2]!,
          })),
          pid: child.pid,
        });
      });
    });
  }

  main(options: RunOptions = {}): Promise<StepResult> {
    return this.step(this.actionYml.runs.main, options, false);
  }

  /** The post step, with the STATE_* the main step saved. */
  post(options: RunOptions = {}): Promise<StepResult> {
    if (!this.actionYml.runs.post) throw new Error(`${this.action} has no post step`);
    return this.step(this.actionYml.runs.post, options, true);
  }

  savedState(): Record<string, string> {
    return { ...this.state };
  }
}
