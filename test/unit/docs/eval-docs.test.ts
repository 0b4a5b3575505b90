import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '../../../scripts/gen-eval-docs.js';
import { caseSchema } from '../../../src/eval/suite.js';

const ROOT = new URL('../../..', import.meta.url).pathname;

describe('eval case format in the eval guide', () => {
  it('docs/guides/eval-gate.md holds the table generated from caseSchema (npx tsx scripts/gen-eval-docs.ts)', async () => {
    const guide = readFileSync(join(ROOT, 'docs/guides/eval-gate.md'), 'utf8');
    expect(guide).toBe(await render(guide));
    // Every key of a case is documented, with a description.
    for (const key of Object.keys(caseSchema.shape))
      expect(guide).toMatch(new RegExp(`\\| \`${key}\` +\\| [^|]+\\|[^|]+\\|[^|]*\\| \\S`));
  });

  it('a stale table is replaced, the text around it kept', async () => {
    const guide = readFileSync(join(ROOT, 'docs/guides/eval-gate.md'), 'utf8');
    const stale = guide.replace(/\| `question` .*\n/, '');
    expect(stale).not.toBe(guide);
    expect(await render(stale)).toBe(guide);
  });
});
