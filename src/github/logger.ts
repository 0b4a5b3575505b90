import * as core from '@actions/core';
import { type Annotation, formatDuration, type Logger } from '../core/logger.js';
import { secrets } from '../core/redact.js';

/** The Logger port on the Actions runner: groups, annotations, masking. */
export class ActionsLogger implements Logger {
  constructor() {
    secrets.onAdd((v) => core.setSecret(v));
  }
  debug(message: string): void {
    core.debug(secrets.redact(message));
  }
  info(message: string): void {
    core.info(secrets.redact(message));
  }
  warn(message: string, annotation?: Annotation): void {
    core.warning(secrets.redact(message), annotation);
  }
  error(message: string, annotation?: Annotation): void {
    core.error(secrets.redact(message), annotation);
  }
  private open = 0;

  /**
   * A log group of the runner: GitHub folds `::group::` … `::endgroup::` and cannot nest them,
   * so a group started while another is open (an inner step, or steps running concurrently on
   * several hosts) becomes plain start/end lines inside the open one.
   */
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const outer = this.open === 0;
    this.open++;
    if (outer) core.startGroup(name);
    else core.info(`▶ ${name}`);
    try {
      return await fn();
    } finally {
      this.open--;
      core.info(`${name} took ${formatDuration(performance.now() - started)}`);
      if (outer) core.endGroup();
    }
  }
  setSecret(value: string | undefined): void {
    secrets.add(value);
  }
}
