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
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    core.startGroup(name);
    try {
      return await fn();
    } finally {
      core.info(`${name} took ${formatDuration(performance.now() - started)}`);
      core.endGroup();
    }
  }
  setSecret(value: string | undefined): void {
    secrets.add(value);
  }
}
