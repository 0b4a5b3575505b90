import type { InputReader } from '../core/input-reader.js';
import type { EvalGateInputs } from './gate.js';
import { parseShard } from './suite.js';

/**
 * The inputs a run of the gate takes through either door (the eval-gate action's inputs and
 * `ragship eval`'s flags share their names), read and checked by the shared input reader so an
 * error names the input as the user spelled it. What only one door knows (the shas of a pull
 * request, the judge key, the GitHub token) its door adds.
 */
export type EvalRunInputs = Pick<
  EvalGateInputs,
  'outDir' | 'shard' | 'targetUrl' | 'saveBaseline' | 'baselineResults' | 'baselineUrl' | 'concurrency'
>;

export function readEvalRun(
  r: InputReader,
  defaults: { outDir: string; saveBaseline: boolean },
): EvalRunInputs {
  return {
    outDir: r.str('out-dir', { default: defaults.outDir }),
    shard: parseShard(r.str('shard') || undefined, r.where('shard')),
    targetUrl: r.str('target-url') || undefined,
    saveBaseline: r.bool('save-baseline', defaults.saveBaseline),
    baselineResults: r.str('baseline-results') || undefined,
    baselineUrl: r.str('baseline-url') || undefined,
    // The action's 0 (its default) means the suite's run.concurrency; the CLI leaves the flag out.
    concurrency: r.int('concurrency', 0, { min: r.door === 'action' ? 0 : 1, max: 256 }) || undefined,
  };
}
