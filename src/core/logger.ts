import { secrets as defaultSecrets, type SecretRegistry } from './redact.js';

export interface Annotation {
  title?: string;
  file?: string;
  startLine?: number;
}

/**
 * The logging port. The core writes through it only; the Actions adapter maps it to
 * workflow commands (groups, annotations, masking), the console adapter to stderr/JSON.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string, annotation?: Annotation): void;
  error(message: string, annotation?: Annotation): void;
  /** Runs `fn` inside a named, timed group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a value to be masked from now on. */
  setSecret(value: string | undefined): void;
}

export interface ConsoleLoggerOptions {
  json?: boolean;
  debug?: boolean;
  write?: (line: string) => void;
  secrets?: SecretRegistry;
}

/** For the CLI and tests: human lines on stderr, or one JSON object per line with --json. */
export class ConsoleLogger implements Logger {
  private readonly json: boolean;
  private readonly debugOn: boolean;
  private readonly write: (line: string) => void;
  private readonly secrets: SecretRegistry;
  private depth = 0;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.json = options.json ?? false;
    this.debugOn = options.debug ?? process.env.RAGSHIP_DEBUG === '1';
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.secrets = options.secrets ?? defaultSecrets;
  }

  private emit(level: string, message: string, extra: Record<string, unknown> = {}): void {
    const text = this.secrets.redact(message);
    if (this.json) {
      this.write(JSON.stringify({ time: new Date().toISOString(), level, msg: text, ...extra }));
      return;
    }
    const prefix = level === 'info' ? '' : `${level}: `;
    const indent = '  '.repeat(this.depth);
    for (const line of text.split('\n')) this.write(`${indent}${prefix}${line}`);
  }

  debug(message: string): void {
    if (this.debugOn) this.emit('debug', message);
  }
  info(message: string): void {
    this.emit('info', message);
  }
  warn(message: string, annotation?: Annotation): void {
    this.emit('warning', message, annotation ? { ...annotation } : {});
  }
  error(message: string, annotation?: Annotation): void {
    this.emit('error', message, annotation ? { ...annotation } : {});
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    this.emit('info', `▶ ${name}`);
    this.depth++;
    let ok = false;
    try {
      const result = await fn();
      ok = true;
      return result;
    } finally {
      this.depth--;
      this.emit('info', `${ok ? '✔' : '✖'} ${name} (${formatDuration(performance.now() - started)})`);
    }
  }
  setSecret(value: string | undefined): void {
    this.secrets.add(value);
  }
}

/** Collects lines in memory: for tests that assert what was (not) logged. */
export class MemoryLogger extends ConsoleLogger {
  readonly lines: string[];
  constructor(options: Omit<ConsoleLoggerOptions, 'write'> = {}) {
    const lines: string[] = [];
    super({ debug: true, ...options, write: (l) => lines.push(l) });
    this.lines = lines;
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}
