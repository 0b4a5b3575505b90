import * as core from '@actions/core';
import { UserError } from '../core/errors.js';
import { secrets } from '../core/redact.js';

/**
 * Typed readers for action inputs. Each action's `getInputs()` calls these once, with the
 * names exactly as in its action.yml; nothing else reads core.getInput.
 */
export function str(name: string, options: { required?: boolean; default?: string } = {}): string {
  const value = core.getInput(name, { trimWhitespace: true });
  if (!value && options.required) {
    throw new UserError(`input '${name}'`, 'is required but empty', `set \`${name}:\` under \`with:\``);
  }
  return value || options.default || '';
}

/** A secret input: masked before anything else can print it. */
export function secret(name: string, options: { required?: boolean } = {}): string {
  const value = core.getInput(name, { trimWhitespace: false });
  if (value) {
    core.setSecret(value);
    secrets.add(value);
  }
  if (!value.trim() && options.required) {
    throw new UserError(
      `input '${name}'`,
      'is required but empty',
      `pass it from a secret: \`${name}: \${{ secrets.NAME }}\``,
    );
  }
  return value;
}

export function bool(name: string, fallback = false): boolean {
  const value = core.getInput(name).trim().toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new UserError(`input '${name}'`, `${JSON.stringify(value)} is not a boolean`, 'use true or false');
}

export function int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const raw = core.getInput(name).trim();
  if (raw === '') return fallback;
  if (!/^-?[0-9]+$/.test(raw))
    throw new UserError(`input '${name}'`, `${JSON.stringify(raw)} is not a whole number`, 'use digits only');
  const n = Number(raw);
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
    throw new UserError(
      `input '${name}'`,
      `${n} is out of range`,
      `use ${range.min ?? '-∞'}–${range.max ?? '∞'}`,
    );
  }
  return n;
}

/** Newline- or comma-separated list, blanks and #comments dropped. */
export function list(name: string): string[] {
  return core
    .getInput(name)
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

/** Multi-line input kept as lines (for known_hosts, dotenv blocks). */
export function multiline(name: string): string {
  return core.getInput(name, { trimWhitespace: false });
}
