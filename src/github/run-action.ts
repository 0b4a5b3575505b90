import * as core from '@actions/core';
import { asUserError, isUserError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { secrets } from '../core/redact.js';
import type { Report } from '../core/report.js';
import { ActionsLogger } from './logger.js';

export interface ActionContext {
  logger: Logger;
  setOutput(name: string, value: string | number | boolean): void;
  /** Saved for the post step; never put secrets here. */
  saveState(name: string, value: string): void;
  getState(name: string): string;
  writeSummary(report: Report): Promise<void>;
}

export interface ActionDefinition<I> {
  /** Reads and validates every input once (names exactly as in action.yml). */
  getInputs(): I;
  main(inputs: I, ctx: ActionContext): Promise<void>;
  /** Cleanup that runs after the job's steps, also when the job failed or was cancelled. */
  post?(ctx: ActionContext): Promise<void>;
}

const POST_MARKER = 'ragship-is-post';

function context(logger: Logger): ActionContext {
  return {
    logger,
    setOutput: (name, value) => core.setOutput(name, value),
    saveState: (name, value) => {
      if (secrets.has(value)) throw new Error(`refusing to save a secret in state '${name}'`);
      core.saveState(name, value);
    },
    getState: (name) => core.getState(name),
    writeSummary: async (report) => {
      try {
        await core.summary.addRaw(secrets.redact(report.toString())).write();
      } catch (err) {
        // A summary that cannot be written must never fail the job.
        core.warning(`could not write the job summary: ${(err as Error).message}`);
      }
    },
  };
}

/**
 * The single error boundary of an action. Main and post share one bundle and dispatch
 * on saved state (the pattern of docker/actions-toolkit's `run(main, post)`).
 */
export async function runAction<I>(definition: ActionDefinition<I>): Promise<void> {
  const logger = new ActionsLogger();
  const ctx = context(logger);
  const isPost = core.getState(POST_MARKER) === 'true';
  try {
    if (isPost) {
      await definition.post?.(ctx);
      return;
    }
    core.saveState(POST_MARKER, 'true');
    const inputs = definition.getInputs();
    await definition.main(inputs, ctx);
  } catch (caught) {
    const err = asUserError(caught, 'action');
    if (isPost) {
      // Post-step cleanup reports but does not turn a green job red.
      core.warning(`cleanup: ${secrets.redact((err as Error).message)}`);
      return;
    }
    if (isUserError(err)) core.setFailed(secrets.redact(err.message));
    else {
      core.error(secrets.redact((err as Error)?.stack ?? String(err)));
      core.setFailed(
        `ragship bug: ${secrets.redact((err as Error)?.message ?? String(err))} — please report it with the log above`,
      );
    }
  }
}
