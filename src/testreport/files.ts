import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

/** `**` any depth, `*` within a segment, `?` one character; everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const SKIP = new Set(['node_modules', '.git']);

/**
 * Files under `cwd` matching any of the patterns (newline- or comma-separated), sorted.
 * Node 20 has no fs.glob; JUnit globs are simple enough for this walk.
 */
export function findFiles(patterns: string[], cwd: string): string[] {
  const found = new Set<string>();
  for (const raw of patterns) {
    const pattern = raw.replace(/\\/g, '/').replace(/^\.\//, '');
    const base = isAbsolute(pattern) ? '/' : cwd;
    const rel = isAbsolute(pattern) ? pattern.slice(1) : pattern;
    const segments = rel.split('/');
    const staticParts: string[] = [];
    for (const s of segments) {
      if (/[*?]/.test(s)) break;
      staticParts.push(s);
    }
    const start = join(base, ...staticParts);
    const matcher = globToRegExp(rel);
    const visit = (dir: string) => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of entries) {
        if (SKIP.has(name)) continue;
        const full = join(dir, name);
        const st = statSync(full, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) visit(full);
        else if (matcher.test(relative(base, full).replace(/\\/g, '/'))) found.add(full);
      }
    };
    const st = statSync(start, { throwIfNoEntry: false });
    if (st?.isFile()) {
      if (staticParts.length === segments.length) found.add(start);
    } else if (st?.isDirectory()) visit(start);
  }
  return [...found].sort();
}
