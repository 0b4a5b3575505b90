import { ConfigError } from '../core/errors.js';

/**
 * The legacy builder (`docker build` without BuildKit) refuses `RUN --mount=…`. To build the same
 * Dockerfile there, RUN steps are rewritten:
 *
 * - `--mount=type=cache` / `type=tmpfs` are dropped (the step still works, just without the cache);
 * - `--mount=type=secret` becomes a fetch from a one-time loopback HTTP server at the start of the
 *   same RUN, into the same target (or env var), removed again before the step ends — so the
 *   secret never enters a layer, a build arg or the history (the history shows only a dead URL);
 * - `type=bind`/`ssh` and exec-form RUN with secrets cannot be emulated and fail with a clear error.
 *
 * Steps that read a secret are not layer-cached on this path (their URL changes every build).
 */
export interface SecretMount {
  id: string;
  /** File the secret is written to, unless `env` is set. */
  target?: string;
  env?: string;
  required: boolean;
  mode: string;
}

export interface RewriteResult {
  dockerfile: string;
  /** Secret ids RUN steps asked for. */
  secretIds: string[];
  /** Number of cache/tmpfs mounts dropped. */
  droppedCacheMounts: number;
  rewrittenSteps: number;
}

/** Builds the URL a RUN step fetches secret `id` from. */
export type SecretUrl = (id: string) => string;

const FETCH =
  '__ragship_fetch() { if command -v curl >/dev/null 2>&1; then curl -fsS "$1"; ' +
  'elif command -v wget >/dev/null 2>&1; then wget -qO- "$1"; ' +
  'elif command -v node >/dev/null 2>&1; then node -e \'fetch(process.argv[1]).then(async (r) => { if (!r.ok) process.exit(22); process.stdout.write(Buffer.from(await r.arrayBuffer())); }, () => process.exit(7))\' "$1"; ' +
  'else echo "ragship: RUN --mount=type=secret on the legacy builder needs curl, wget or node in this stage" >&2; return 127; fi; }';

const SAFE_PATH = /^\/[A-Za-z0-9_./@+-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseCsv(spec: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const at = part.indexOf('=');
    const key = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase();
    out[key] = at < 0 ? 'true' : part.slice(at + 1).trim();
    if (!key)
      throw new ConfigError(
        where,
        `cannot read --mount=${spec}`,
        'write it like --mount=type=secret,id=npmrc',
      );
  }
  return out;
}

export function parseSecretMount(spec: string, where: string): SecretMount {
  const o = parseCsv(spec, where);
  const target = o.target ?? o.dst ?? o.destination;
  const id = o.id ?? (target ? target.split('/').pop() : undefined);
  if (!id || !/^[A-Za-z0-9_.-]{1,64}$/.test(id))
    throw new ConfigError(where, `secret mount ${JSON.stringify(spec)} has no valid id`, 'add id=NAME');
  if (o.env && !ENV_NAME.test(o.env))
    throw new ConfigError(
      where,
      `env=${JSON.stringify(o.env)} is not a variable name`,
      'use e.g. env=NPM_TOKEN',
    );
  const file = o.env && !target ? undefined : (target ?? `/run/secrets/${id}`);
  if (file && !SAFE_PATH.test(file))
    throw new ConfigError(
      where,
      `target=${JSON.stringify(file)} is not a plain absolute path`,
      'use e.g. /run/secrets/npmrc',
    );
  const mode = o.mode ?? '0400';
  if (!/^0?[0-7]{3}$/.test(mode))
    throw new ConfigError(where, `mode=${JSON.stringify(mode)} is not octal`, 'use e.g. 0400');
  return { id, target: file, env: o.env, required: o.required === 'true', mode };
}

/** One RUN step's shell command with its secret mounts served from `url`. */
export function secretPrelude(
  mounts: SecretMount[],
  provided: Set<string>,
  url: SecretUrl,
  command: string,
  where: string,
): string {
  const files: string[] = [];
  const steps: string[] = [];
  for (const m of mounts) {
    if (!provided.has(m.id)) {
      if (m.required)
        throw new ConfigError(
          where,
          `needs build secret ${JSON.stringify(m.id)} (required=true) but it was not given`,
          `pass it under secrets: as ${m.id}=…`,
        );
      continue;
    }
    if (m.target) {
      files.push(m.target);
      const dir = m.target.slice(0, m.target.lastIndexOf('/')) || '/';
      steps.push(
        `mkdir -p ${dir} && (umask 077 && __ragship_fetch ${url(m.id)} > ${m.target}) && chmod ${m.mode} ${m.target} || { rm -f ${m.target}; exit 1; }`,
      );
    }
    if (m.env) steps.push(`${m.env}="$(__ragship_fetch ${url(m.id)})" || exit 1; export ${m.env}`);
  }
  if (steps.length === 0) return command;
  const cleanup = files.length ? `rm -f ${files.join(' ')}; ` : '';
  // The original command runs in a subshell: its own traps or `exit` cannot skip the cleanup.
  return `${FETCH}; ${steps.join('; ')}; ( ${command} ); __ragship_status=$?; ${cleanup}exit $__ragship_status`;
}

interface Logical {
  start: number;
  end: number;
  text: string;
}

/** Physical lines → logical instructions (backslash continuations joined, comment lines inside skipped). */
function logicalLines(lines: string[], escapeChar: string): Logical[] {
  const out: Logical[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!;
    while (text.trimEnd().endsWith(escapeChar) && i + 1 < lines.length) {
      text = text.trimEnd().slice(0, -1);
      i++;
      while (i < lines.length - 1 && /^\s*#/.test(lines[i]!)) i++;
      text += lines[i]!;
    }
    out.push({ start, end: i, text });
  }
  return out;
}

/** Rewrites the RUN steps with `--mount` so the legacy builder can build the Dockerfile. */
export function rewriteForLegacy(
  dockerfile: string,
  providedSecrets: string[],
  url: SecretUrl,
): RewriteResult {
  const lines = dockerfile.split('\n');
  const escapeDirective = /^#\s*escape\s*=\s*(\S)/im.exec(dockerfile.split('\n').slice(0, 5).join('\n'));
  const escapeChar = escapeDirective?.[1] ?? '\\';
  const provided = new Set(providedSecrets);
  const secretIds = new Set<string>();
  let dropped = 0;
  let rewritten = 0;
  const out: string[] = [];
  for (const l of logicalLines(lines, escapeChar)) {
    const m = /^(\s*)RUN((?:\s+--[a-z-]+=\S+)+)\s+([\s\S]*)$/i.exec(l.text);
    if (!m || !/--mount=/i.test(m[2]!)) {
      out.push(...lines.slice(l.start, l.end + 1));
      continue;
    }
    const where = `Dockerfile line ${l.start + 1}`;
    const keptFlags: string[] = [];
    const secrets: SecretMount[] = [];
    for (const flag of m[2]!.trim().split(/\s+/)) {
      const mount = /^--mount=(.*)$/i.exec(flag);
      if (!mount) {
        if (/^--(network|security)=/i.test(flag)) {
          throw new ConfigError(
            where,
            `RUN ${flag} needs BuildKit`,
            'install docker buildx (docker/setup-buildx-action) or remove the flag',
          );
        }
        keptFlags.push(flag);
        continue;
      }
      const type = (parseCsv(mount[1]!, where).type ?? 'bind').toLowerCase();
      if (type === 'cache' || type === 'tmpfs') dropped++;
      else if (type === 'secret') secrets.push(parseSecretMount(mount[1]!, where));
      else {
        throw new ConfigError(
          where,
          `RUN --mount=type=${type} cannot be emulated on the legacy builder`,
          'install docker buildx (docker/setup-buildx-action), or COPY the files instead',
        );
      }
    }
    const command = m[3]!.trim();
    if (secrets.length && command.startsWith('[')) {
      throw new ConfigError(
        where,
        'a RUN step in exec form (JSON array) cannot receive secrets on the legacy builder',
        'write the step in shell form, or install docker buildx',
      );
    }
    for (const s of secrets) secretIds.add(s.id);
    const body = secrets.length ? secretPrelude(secrets, provided, url, command, where) : command;
    out.push(`${m[1]}RUN ${[...keptFlags, body].join(' ')}`);
    rewritten++;
  }
  return {
    dockerfile: out.join('\n'),
    secretIds: [...secretIds],
    droppedCacheMounts: dropped,
    rewrittenSteps: rewritten,
  };
}
