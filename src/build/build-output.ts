/**
 * Reading what the builders print: the failing Dockerfile step, cache use, the pushed digest.
 * Pure functions over text, table-tested with recorded output of both builders.
 */

export interface BuildFailure {
  /** The failing step as the builder names it, e.g. "Step 4/9 : RUN npm ci" or "[build 3/5] RUN npm ci". */
  step?: string;
  /** The builder's error line. */
  error?: string;
  /** Last lines the failing step printed. */
  lastLines: string[];
}

const LEGACY_STEP = /^Step (\d+)\/(\d+) : (.*)$/;

const ANSI = /\x1b\[[0-9;]*m/g;

export function describeBuildFailure(output: string, maxLines = 15): BuildFailure {
  const lines = output.replace(ANSI, '').replace(/\r/g, '').split('\n');
  // BuildKit/buildx (--progress=plain): "#9 [build 3/4] RUN false" … "#9 ERROR: …".
  const errLine = [...lines].reverse().find((l) => /^#\d+ ERROR: /.test(l));
  if (errLine) {
    const id = errLine.split(' ')[0]!;
    const stepLine = lines.find((l) => l.startsWith(`${id} [`));
    const body = lines
      .filter((l) => l.startsWith(`${id} `) && l !== stepLine && l !== errLine)
      .map((l) => l.slice(id.length + 1).replace(/^\d+\.\d+ /, ''))
      .filter((l) => l && l !== 'DONE' && !/^sha256:/.test(l));
    const final = [...lines].reverse().find((l) => l.startsWith('ERROR: '));
    return {
      step: stepLine?.slice(id.length + 1),
      error: (final ?? errLine.slice(id.length + 1)).trim(),
      lastLines: body.slice(-maxLines),
    };
  }
  // Legacy builder: "Step 4/9 : RUN npm ci" … "The command '/bin/sh -c npm ci' returned a non-zero code: 1".
  let stepAt = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (LEGACY_STEP.test(lines[i]!)) {
      stepAt = i;
      break;
    }
  }
  // The builder's own verdict; a step that did not run (COPY failed…) ends the output instead.
  let errorAt = lines.findIndex((l, i) => i > stepAt && /returned a non-zero code/.test(l));
  if (errorAt < 0) {
    for (let i = lines.length - 1; i > stepAt && errorAt < 0; i--) if (lines[i]!.trim()) errorAt = i;
  }
  const body = lines
    .slice(stepAt + 1, errorAt < 0 ? undefined : errorAt)
    .filter((l) => l.trim() && !/^ ---> /.test(l));
  return {
    step: stepAt >= 0 ? lines[stepAt] : undefined,
    error: errorAt >= 0 ? lines[errorAt]!.trim() : undefined,
    lastLines: body.slice(-maxLines),
  };
}

export interface CacheStats {
  /** Steps answered from the layer cache. */
  cached: number;
  /** Steps that could have been cached (instructions that make or reuse a layer). */
  steps: number;
}

export function cacheStats(output: string): CacheStats {
  const lines = output.replace(/\r/g, '').split('\n');
  if (lines.some((l) => /^#\d+ \[/.test(l))) {
    const steps = new Set<string>();
    const cached = new Set<string>();
    for (const l of lines) {
      const step = /^(#\d+) \[(?!internal)[^\]]*\] /.exec(l);
      if (step) steps.add(step[1]!);
      const hit = /^(#\d+) CACHED$/.exec(l);
      if (hit) cached.add(hit[1]!);
    }
    return { cached: [...cached].filter((c) => steps.has(c)).length, steps: steps.size };
  }
  // Legacy: every step prints "---> Using cache" when it reuses a layer; FROM/ARG-only steps never do.
  let steps = 0;
  let cached = 0;
  for (const l of lines) {
    const m = LEGACY_STEP.exec(l);
    if (m && !/^(FROM|ARG) /i.test(m[3]!)) steps++;
    if (/^ ---> Using cache$/.test(l)) cached++;
  }
  return { cached, steps };
}

/** `docker push` ends with "<tag>: digest: sha256:… size: N". */
export function parsePushDigest(output: string): string | undefined {
  return /: digest: (sha256:[a-f0-9]{64}) size: \d+/.exec(output)?.[1];
}

/** buildx --metadata-file: containerimage.digest (the manifest or index digest). */
export function parseMetadataDigest(metadataJson: string): string | undefined {
  try {
    const m = JSON.parse(metadataJson) as Record<string, unknown>;
    const d = m['containerimage.digest'];
    return typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d) ? d : undefined;
  } catch {
    return undefined;
  }
}

export type LoginProblem = 'unauthorized' | 'unreachable' | 'other';

/** What went wrong with `docker login`, from its stderr. */
export function classifyLoginError(stderr: string): LoginProblem {
  if (/unauthorized|authentication required|incorrect username or password|denied|401/i.test(stderr))
    return 'unauthorized';
  if (
    /connection refused|no such host|i\/o timeout|timeout|network is unreachable|dial tcp|server misbehaving|EOF/i.test(
      stderr,
    )
  ) {
    return 'unreachable';
  }
  return 'other';
}
