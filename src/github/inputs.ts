import * as core from '@actions/core';
import { InputReader, type InputSource, splitLines, splitList } from '../core/input-reader.js';
import { secrets } from '../core/redact.js';

/**
 * The action door of the shared input reader: `with:` inputs by the names of action.yml. Each
 * action's `getInputs()` reads through this reader once; nothing else reads core.getInput.
 */
export const actionSource: InputSource = {
  door: 'action',
  get: (name) => core.getInput(name, { trimWhitespace: true }) || undefined,
  getList: (name) => {
    const raw = core.getInput(name);
    return raw.trim() ? splitList(raw) : undefined;
  },
  getLines: (name) => {
    const raw = core.getInput(name);
    return raw.trim() ? splitLines(raw) : undefined;
  },
  getSecret: (name) => {
    const value = core.getInput(name, { trimWhitespace: false });
    if (value) {
      // Masked before anything else can print it.
      core.setSecret(value);
      secrets.add(value);
    }
    return value || undefined;
  },
  getText: (name) => core.getInput(name, { trimWhitespace: false }) || undefined,
  where: (name) => `input '${name}'`,
  howToSet: (name, kind = 'value', example) =>
    kind === 'secret'
      ? `pass it from a secret: \`${name}: \${{ secrets.NAME }}\``
      : `set \`${name}:${example ? ` ${example}` : ''}\` under \`with:\``,
};

export const actionInputs = new InputReader(actionSource);

export function str(name: string, options: { required?: boolean; default?: string } = {}): string {
  return actionInputs.str(name, options);
}

/** A secret input: masked before anything else can print it. */
export function secret(name: string, options: { required?: boolean } = {}): string {
  return actionInputs.secret(name, options);
}

/** true or false (True/TRUE/False/FALSE too); anything else fails, as on the CLI. */
export function bool(name: string, fallback = false): boolean {
  return actionInputs.bool(name, fallback);
}

export function int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  return actionInputs.int(name, fallback, range);
}

/** Newline- or comma-separated list, blanks and #comments dropped. */
export function list(name: string): string[] {
  return actionInputs.list(name);
}

/** Multi-line input kept as lines (for known_hosts, dotenv blocks). */
export function multiline(name: string): string {
  return actionInputs.multiline(name);
}
