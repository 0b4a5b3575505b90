// workflows-templates/README.md is the generated list of what each template needs; templates run
// only what exists (this repo's actions and workflows, or a pinned CLI tarball, never `npx
// ragship`), and every secret and variable they read is described in getting-started.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './markdown.js';
import { README, renderReadme, templateNeeds, templates } from './templates-readme.js';

/** A markdown text with table padding and separator widths removed (biome pads columns). */
function unpadded(md: string): string {
  return md
    .split('\n')
    .map((l) =>
      l.startsWith('|')
        ? l
            .split('|')
            .map((c) => c.trim().replace(/^-{3,}$/, '---'))
            .join('|')
        : l,
    )
    .join('\n')
    .trim();
}

describe('workflows-templates', () => {
  test('README.md is fresh (npx tsx test/unit/docs/templates-readme.ts rewrites it)', () => {
    expect(unpadded(readFileSync(README, 'utf8'))).toBe(unpadded(renderReadme()));
  });

  test('the needs are read from the template: autosleep', () => {
    expect(templateNeeds('autosleep.yml')).toMatchObject({
      secrets: ['DEPLOY_SSH_KEY'],
      variables: ['DEPLOY_KNOWN_HOSTS'],
      permissions: ['contents: read'],
      environments: ['(chosen at dispatch)', 'dev'],
    });
    expect(templateNeeds('release-deploy.yml').environments).toEqual(['production', 'staging']);
  });

  test('no template runs an unpinned or unpublished ragship (npx ragship, npm install ragship)', () => {
    const loose = templates().filter((f) =>
      /npx\s+(-\S+\s+)*ragship|npm\s+(i|install)\s+(-\S+\s+)*ragship(@|\s|$)/m.test(
        readFileSync(join(ROOT, 'workflows-templates', f), 'utf8'),
      ),
    );
    expect(loose).toEqual([]);
  });

  test('every secret and variable a template reads is described in getting-started', () => {
    const guide = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');
    const names = templates().flatMap((f) => {
      const t = templateNeeds(f);
      return [...t.secrets, ...t.variables].map((n) => ({ f, n }));
    });
    expect(names.filter(({ n }) => !guide.includes(`\`${n}\``)).map(({ f, n }) => `${f}: ${n}`)).toEqual([]);
  });
});
