import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { errorMessage } from '../core/errors.js';

/**
 * Assertions a suite (for every case) or a case lists under `assert:`, as promptfoo users
 * expect them. Each gives {pass, score, reason}; a failed one fails the case
 * (`failed: ["assert:<type>"]`); one that could not be evaluated (a judge or a custom hook that
 * threw) is an error of that assertion — the case's other results stand.
 */

const regexValue = z.string().superRefine((v, ctx) => {
  try {
    new RegExp(v, 'u');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

export const assertionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('equals'), value: z.string() }).strict(),
  z.object({ type: z.literal('icontains-any'), value: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ type: z.literal('regex'), value: regexValue }).strict(),
  z
    .object({
      type: z.literal('is-json'),
      /** A JSON Schema (subset: type, enum, const, required, properties, additionalProperties, items, min/max…, pattern). */
      schema: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('llm-rubric'),
      value: z.string().min(1),
      /** The judge's score (0–1) must be at least this. */
      threshold: z.number().min(0).max(1).default(0.5),
    })
    .strict(),
  z
    .object({
      type: z.literal('custom'),
      /** A JS module relative to the suite file exporting `(output, case, context) => ({pass, score, reason})`. */
      path: z.string().min(1),
      export: z.string().default('default'),
    })
    .strict(),
  z.object({ type: z.literal('latency'), threshold: z.number().positive() }).strict(),
  z.object({ type: z.literal('cost'), threshold: z.number().min(0) }).strict(),
]);

export type Assertion = z.infer<typeof assertionSchema>;

export interface AssertionResult {
  type: Assertion['type'];
  pass: boolean;
  score: number;
  reason: string;
  /** Could not be evaluated (judge or hook failure): neither a pass nor a fail. */
  error?: string;
}

export interface AssertionContext {
  output: string;
  sources: string[];
  latencyMs: number;
  costUsd: number;
  /** The case as written in the cases file. */
  case: Record<string, unknown>;
  /** The suite file: custom hook paths are relative to it. */
  suitePath: string;
  /** Scores a rubric with the suite's judge (cached by content); absent without `judge:`. */
  rubric?: (rubric: string) => Promise<{ score: number; reason: string }>;
}

/** The custom hook's answer, checked: anything else is an error of the assertion. */
const hookResult = z
  .object({ pass: z.boolean(), score: z.number().min(0).max(1).optional(), reason: z.string().optional() })
  .loose();

type Hook = (output: string, c: Record<string, unknown>, context: Record<string, unknown>) => unknown;
const hooks = new Map<string, Promise<Hook>>();

async function loadHook(suitePath: string, path: string, name: string): Promise<Hook> {
  const file = isAbsolute(path) ? path : resolve(suitePath, '..', path);
  const key = `${file}#${name}`;
  let hook = hooks.get(key);
  if (!hook) {
    hook = import(pathToFileURL(file).href).then((mod: Record<string, unknown>) => {
      const fn = mod[name];
      if (typeof fn !== 'function') throw new Error(`${file} has no function export \`${name}\``);
      return fn as Hook;
    });
    hooks.set(key, hook);
  }
  return hook;
}

/** Validates a value against a JSON Schema subset; returns the first problem, or undefined. */
export function schemaProblem(value: unknown, schema: Record<string, unknown>, at = '$'): string | undefined {
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const t = typeOf(value);
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer')))
      return `${at} is ${t}, expected ${types.join(' or ')}`;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    return `${at} is not one of ${JSON.stringify(schema.enum)}`;
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value))
    return `${at} is not ${JSON.stringify(schema.const)}`;
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${at} < ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${at} > ${schema.maximum}`;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      return `${at} is shorter than ${schema.minLength}`;
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      return `${at} is longer than ${schema.maxLength}`;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      return `${at} does not match ${schema.pattern}`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      return `${at} has fewer than ${schema.minItems} items`;
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      return `${at} has more than ${schema.maxItems} items`;
    if (schema.items && typeof schema.items === 'object')
      for (let i = 0; i < value.length; i++) {
        const p = schemaProblem(value[i], schema.items as Record<string, unknown>, `${at}[${i}]`);
        if (p) return p;
      }
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const k of (schema.required as string[] | undefined) ?? [])
      if (!(k in obj)) return `${at}.${k} is required`;
    const props = (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) {
        const p = schemaProblem(v, props[k]!, `${at}.${k}`);
        if (p) return p;
      } else if (schema.additionalProperties === false) return `${at}.${k} is not allowed`;
    }
  }
  return undefined;
}

const result = (type: Assertion['type'], pass: boolean, reason: string, score = pass ? 1 : 0) => ({
  type,
  pass,
  score,
  reason,
});

export async function evaluateAssertion(a: Assertion, ctx: AssertionContext): Promise<AssertionResult> {
  const out = ctx.output;
  switch (a.type) {
    case 'equals':
      return result(
        a.type,
        out.trim() === a.value.trim(),
        out.trim() === a.value.trim() ? 'equal' : 'differs',
      );
    case 'icontains-any': {
      const hit = a.value.find((v) => out.toLowerCase().includes(v.toLowerCase()));
      return result(a.type, hit !== undefined, hit !== undefined ? `contains "${hit}"` : 'contains none');
    }
    case 'regex': {
      const ok = new RegExp(a.value, 'u').test(out);
      return result(a.type, ok, ok ? 'matches' : `does not match /${a.value}/`);
    }
    case 'is-json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(out);
      } catch (err) {
        return result(a.type, false, `not JSON: ${errorMessage(err)}`);
      }
      const problem = a.schema ? schemaProblem(parsed, a.schema) : undefined;
      return result(a.type, !problem, problem ?? 'valid JSON');
    }
    case 'latency':
      return result(a.type, ctx.latencyMs <= a.threshold, `${ctx.latencyMs} ms (limit ${a.threshold} ms)`);
    case 'cost':
      return result(a.type, ctx.costUsd <= a.threshold, `$${ctx.costUsd.toFixed(6)} (limit $${a.threshold})`);
    case 'llm-rubric': {
      if (!ctx.rubric)
        return { ...result(a.type, false, ''), error: 'llm-rubric needs a `judge:` section in the suite' };
      try {
        const v = await ctx.rubric(a.value);
        return result(a.type, v.score >= a.threshold, v.reason, v.score);
      } catch (err) {
        return { ...result(a.type, false, ''), error: errorMessage(err) };
      }
    }
    case 'custom': {
      try {
        const hook = await loadHook(ctx.suitePath, a.path, a.export);
        const raw = await hook(out, ctx.case, {
          sources: ctx.sources,
          latencyMs: ctx.latencyMs,
          costUsd: ctx.costUsd,
        });
        const r = hookResult.safeParse(raw);
        if (!r.success)
          return {
            ...result(a.type, false, ''),
            error: `${a.path} returned ${JSON.stringify(raw)?.slice(0, 120)}, expected {pass: boolean, score?: 0–1, reason?: string}`,
          };
        return result(a.type, r.data.pass, r.data.reason ?? '', r.data.score ?? (r.data.pass ? 1 : 0));
      } catch (err) {
        return { ...result(a.type, false, ''), error: `${a.path}: ${errorMessage(err)}` };
      }
    }
  }
}
