import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/**
 * Schema problems of ragship.yml and eval suites in a person's words: the key, what is wrong, and
 * the fix — "did you mean `bucket`?" for a misspelt key, "write it as a number" for a wrong type.
 */

/** Dotted key path of a zod issue, e.g. environments.production.roles.web.hosts[0]. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions are untyped here
type Def = any;
const defOf = (schema: unknown): Def => (schema as { _zod?: { def?: Def } })?._zod?.def;

/** The schemas a path can lead to (several through unions); wrappers are looked through. */
function schemasAt(schema: unknown, path: ReadonlyArray<PropertyKey>): unknown[] {
  let current: unknown[] = [schema];
  for (const seg of [...path, null]) {
    const next: unknown[] = [];
    const visit = (s: unknown, depth = 0): void => {
      const def = defOf(s);
      if (!def || depth > 20) return;
      switch (def.type) {
        case 'optional':
        case 'nullable':
        case 'default':
        case 'prefault':
        case 'readonly':
        case 'catch':
        case 'nonoptional':
          visit(def.innerType, depth + 1);
          return;
        case 'pipe':
          visit(def.in, depth + 1);
          return;
        case 'lazy':
          visit(def.getter(), depth + 1);
          return;
        case 'union':
          for (const o of def.options) visit(o, depth + 1);
          return;
        case 'intersection':
          visit(def.left, depth + 1);
          visit(def.right, depth + 1);
          return;
      }
      if (seg === null) next.push(s);
      else if (def.type === 'object' && typeof seg === 'string' && Object.hasOwn(def.shape, seg))
        next.push(def.shape[seg]);
      else if (def.type === 'record' && typeof seg === 'string') next.push(def.valueType);
      else if (def.type === 'array' && typeof seg === 'number') next.push(def.element);
      else if (def.type === 'tuple' && typeof seg === 'number' && def.items[seg]) next.push(def.items[seg]);
    };
    for (const s of current) visit(s);
    current = next;
  }
  return current;
}

/** The keys an object at `path` accepts (empty when unknown). */
export function knownKeysAt(schema: unknown, path: ReadonlyArray<PropertyKey>): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    const def = defOf(s);
    if (def?.type === 'object') for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}

/** The closest known key, when it is close enough to be a misspelling. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  if (!known.length) return undefined;
  const lower = key.toLowerCase();
  const sameCase = known.find(
    (k) => k.toLowerCase() === lower || k.replace(/[-_]/g, '') === lower.replace(/[-_]/g, ''),
  );
  if (sameCase) return sameCase;
  const best = closest(key, known);
  return distance(key, best) <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, p as string)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
    case 'number':
      return `a number (${v})`;
    case 'boolean':
      return `a boolean (${v})`;
    case 'object':
      return 'a mapping';
    default:
      return typeof v;
  }
}

const HOW_TO_WRITE: Record<string, string> = {
  string: 'write it as text; quote it if YAML reads it as something else, e.g. "8080" or "true"',
  number: 'write a number without quotes, e.g. 0.5 or 8080',
  int: 'write a whole number without quotes, e.g. 8080',
  boolean: 'write true or false, without quotes',
  array: 'write a list: one "- item" per line, or [a, b]',
  object: 'write a mapping: keys indented under it',
  record: 'write a mapping: names indented under it',
};

const A: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'a boolean',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

export interface DescribedIssue {
  /** Key path of the problem (for an unknown key: the key itself). */
  path: string;
  problem: string;
  fix: string;
}

/** One zod issue → the key, the problem and the fix. `docs` names the reference page. */
export function describeIssue(
  schema: unknown,
  issue: z.core.$ZodIssue,
  raw: unknown,
  docs: string,
): DescribedIssue[] {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const guess = suggestKey(key, known);
        return {
          path: keyPath([...issue.path, key]),
          problem: 'is not a known key',
          fix: guess
            ? `did you mean \`${guess}\`?`
            : known.length
              ? `remove it; the keys here are ${known.map((k) => `\`${k}\``).join(', ')} (see ${docs})`
              : `remove it (see ${docs})`,
        };
      });
    }
    case 'invalid_type': {
      const value = valueAt(raw, issue.path);
      const expected = String(issue.expected);
      const a = A[expected] ?? expected;
      if (value === undefined)
        return [
          {
            path: keyPath(issue.path),
            problem: `is missing (${a} is required)`,
            fix: `add \`${String(issue.path.at(-1) ?? '')}:\` with ${a}`,
          },
        ];
      return [
        {
          path: keyPath(issue.path),
          problem: `is ${typeName(value)}, not ${a}`,
          fix: HOW_TO_WRITE[expected] ?? `use ${a}`,
        },
      ];
    }
    case 'invalid_value':
      return [
        {
          path: keyPath(issue.path),
          problem: issue.message,
          fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        },
      ];
    case 'too_small':
    case 'too_big':
      return [
        { path: keyPath(issue.path), problem: issue.message, fix: `use a value in range (see ${docs})` },
      ];
    default:
      return [{ path: keyPath(issue.path), problem: issue.message, fix: `fix the value (see ${docs})` }];
  }
}

/** Every issue, described, at most `max`. */
export function describeIssues(
  schema: unknown,
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  docs: string,
  max = 10,
): DescribedIssue[] {
  return issues.flatMap((i) => describeIssue(schema, i, raw, docs)).slice(0, max);
}
