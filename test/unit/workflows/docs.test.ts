import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractComments, render } from '../../../scripts/gen-config-docs.js';
import { ROOT } from './checks.js';

describe('generated configuration reference', () => {
  it('docs/configuration.md matches the ragship.yml and eval suite schemas (npx tsx scripts/gen-config-docs.ts)', async () => {
    expect(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8')).toBe(await render());
  });

  it('attributes a JSDoc comment to the key below it, by nesting, not by name', () => {
    const source = `export const a = z
  .object({
    /** The deployed service. */
    service: z.string(),
    proxy: z
      .object({
        service: z.string(),
        /** Upstream name. */
        upstream: z.string(),
      }),
  });
`;
    const { byPath, byKey } = extractComments(source);
    expect(byPath.get('a:service')).toBe('The deployed service.');
    expect(byPath.get('a:proxy.upstream')).toBe('Upstream name.');
    expect(byPath.has('a:proxy.service')).toBe(false);
    expect(byKey.has('service')).toBe(false);
  });
});
