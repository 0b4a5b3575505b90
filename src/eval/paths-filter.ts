/**
 * Whether a pull request needs the (expensive) eval run: only when a file matching the suite's
 * relevant paths changed — prompts, retrieval code, the corpus, the suite and its cases (always
 * relevant) — or when the PR carries the label that forces a run. Pushes (main's baseline) and
 * runs without a filter always run.
 */
export interface RunDecision {
  run: boolean;
  /** One sentence for the summary: why it runs or why it skipped. */
  reason: string;
  /** Changed files that matched (at most 10). */
  matched: string[];
}

export interface RunDecisionInput {
  /** Glob patterns relative to the repository root; `!pattern` excludes. Empty = no filter. */
  paths: string[];
  /** Always relevant (the suite file and its cases file), relative to the repository root. */
  alwaysRelevant: string[];
  /** Is this a pull request (the only event that may skip)? */
  pullRequest: boolean;
  /** The PR's changed files, or an Error when they could not be listed. */
  changedFiles: string[] | Error;
  labels: string[];
  /** Label that forces a run; empty = none. */
  forceLabel: string;
}

export function decideRun(i: RunDecisionInput): RunDecision {
  if (!i.pullRequest) return { run: true, reason: 'not a pull request: always evaluated', matched: [] };
  if (i.paths.length === 0) return { run: true, reason: 'no paths filter', matched: [] };
  if (i.forceLabel && i.labels.includes(i.forceLabel))
    return { run: true, reason: `the label \`${i.forceLabel}\` forces a run`, matched: [] };
  if (i.changedFiles instanceof Error)
    return {
      run: true,
      reason: `the changed files could not be listed (${i.changedFiles.message}): evaluating to be safe`,
      matched: [],
    };
  const match = pathMatcher([...i.paths, ...i.alwaysRelevant]);
  const matched = i.changedFiles.filter(match);
  if (matched.length)
    return {
      run: true,
      reason: `relevant files changed: ${matched
        .slice(0, 5)
        .map((f) => `\`${f}\``)
        .join(', ')}${matched.length > 5 ? ` and ${matched.length - 5} more` : ''}`,
      matched: matched.slice(0, 10),
    };
  return {
    run: false,
    reason: `none of the ${i.changedFiles.length} changed files matches the eval paths (${[
      ...i.paths,
      ...i.alwaysRelevant,
    ]
      .map((p) => `\`${p}\``)
      .join(', ')})`,
    matched: [],
  };
}

/** The skip note for the job summary and the PR comment. */
export function renderSkipped(suiteName: string, d: RunDecision, forceLabel: string): string {
  return [
    `### ragship eval gate — ${suiteName}: skipped`,
    '',
    `Skipped: ${d.reason}. Nothing that the answers depend on changed, so the suite was not run and the check passes.`,
    forceLabel
      ? `To evaluate anyway, add the label \`${forceLabel}\` to the pull request.`
      : 'To evaluate anyway, remove the `paths` filter or re-run with it empty.',
    '',
  ].join('\n');
}

/** A matcher for globs: `**` any folders, `*` and `?` within one path segment, `!` excludes; the last matching pattern wins. */
export function pathMatcher(patterns: string[]): (file: string) => boolean {
  const compiled = patterns
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const exclude = p.startsWith('!');
      return { exclude, re: globToRegExp(exclude ? p.slice(1) : p) };
    });
  return (file) => {
    let hit = false;
    for (const c of compiled) if (c.re.test(file)) hit = !c.exclude;
    return hit;
  };
}

export function globToRegExp(glob: string): RegExp {
  let g = glob.replace(/^\.\//, '').replace(/^\/+/, '');
  if (g.endsWith('/')) g += '**';
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const ch = g[i]!;
    if (ch === '*' && g[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` everything below
      if (g[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The paths input: one glob per line or comma-separated; `#` starts a comment. */
export function parsePaths(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}
