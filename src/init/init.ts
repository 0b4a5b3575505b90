import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { parseHostSpec } from '../core/validate.js';

/**
 * `ragship init [dir]`: a first ragship.yml and the workflow callers, read from an app folder
 * (its compose files, Dockerfile and nginx config). What it cannot tell is a `TODO` comment.
 */

/** Compose files docker compose reads by default, in its own order of preference. */
const DEFAULT_COMPOSE = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
/** Workflow templates written into .github/workflows/ (from this package's workflows-templates/). */
export const WORKFLOW_CALLERS = ['pr.yml', 'release-deploy.yml', 'rollback.yml'];
/** A documentation address (TEST-NET-3): passes the host grammar, never reaches anything. */
export const PLACEHOLDER_HOST = 'deploy@203.0.113.10:22';

type Service = {
  image?: unknown;
  build?: unknown;
  expose?: unknown[];
  ports?: unknown[];
  healthcheck?: { test?: unknown };
  profiles?: unknown;
  volumes?: unknown[];
  command?: unknown;
};

export interface Detected {
  app: string;
  compose: string;
  otherCompose: string[];
  services: string[];
  service: string;
  port?: number;
  portFrom?: string;
  healthPath?: string;
  healthFrom?: string;
  proxy?: { service: string; upstream?: string; file?: string; files: string[] };
  migrate?: string;
  evalSuite?: string;
}

export interface InitResult {
  dir: string;
  detected: Detected;
  written: string[];
  skipped: string[];
  todos: string[];
}

/** `${VAR:-default}` / `${VAR-default}` → default; other `${VAR}` stay as they are. */
function interpolateDefaults(s: string): string {
  return s.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1');
}

function containerPort(entry: unknown): number | undefined {
  if (typeof entry === 'number') return entry;
  if (entry && typeof entry === 'object' && 'target' in entry)
    return Number((entry as { target: unknown }).target);
  if (typeof entry !== 'string') return undefined;
  const last = interpolateDefaults(entry)
    .replace(/\/(tcp|udp|sctp)$/, '')
    .split(':')
    .at(-1)!;
  const n = Number(last.split('-')[0]);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** The URL path of an HTTP probe in a healthcheck command (curl/wget/fetch of http://…/path). */
export function healthPathOf(command: string): string | undefined {
  const m =
    /https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|[A-Za-z0-9_.-]+)(?::[0-9$]+|:\$\{[^}]+\})?(\/[A-Za-z0-9_.~\-/]*)/.exec(
      command,
    );
  return m?.[1];
}

/** The HEALTHCHECK command and EXPOSEd port of a Dockerfile (last stage wins, as in docker). */
export function readDockerfile(text: string): { healthcheck?: string; expose?: number } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let healthcheck: string | undefined;
  let expose: number | undefined;
  for (const line of lines) {
    const hc = /^\s*HEALTHCHECK\s+(.*)$/i.exec(line);
    if (hc) healthcheck = /\bNONE\b/i.test(hc[1]!) && !/\bCMD\b/i.test(hc[1]!) ? undefined : hc[1];
    const ex = /^\s*EXPOSE\s+([0-9]+)/i.exec(line);
    if (ex) expose = Number(ex[1]);
  }
  return { healthcheck, expose };
}

function healthcheckText(test: unknown): string {
  return Array.isArray(test) ? test.join(' ') : typeof test === 'string' ? test : '';
}

const isProxy = (name: string, s: Service) =>
  /^(nginx|proxy)$/i.test(name) || /(^|\/)nginx(:|@|$)/.test(interpolateDefaults(String(s.image ?? '')));

/** App name from package.json or the folder name, fitted to ragship's name grammar. */
function appName(dir: string): string {
  let name = basename(dir);
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
    if (pkg.name) name = pkg.name.replace(/^@[^/]+\//, '');
  } catch {
    // no package.json: the folder name
  }
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return cleaned || 'app';
}

export function detect(dir: string): Detected {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ConfigError(
      'dir',
      `${dir} is not a folder`,
      'give the folder of your app (the one holding compose.yaml)',
    );
  const entries = readdirSync(dir);
  const compose = DEFAULT_COMPOSE.find((f) => entries.includes(f));
  if (!compose)
    throw new ConfigError(
      'dir',
      `${dir} has no compose file (${DEFAULT_COMPOSE.join(', ')})`,
      'add a compose.yaml that runs your app, then run ragship init again',
    );
  const otherCompose = entries
    .filter((f) => f !== compose && /^(docker-)?compose\.[A-Za-z0-9_.-]+\.ya?ml$/.test(f))
    .sort();
  let doc: { services?: Record<string, Service> };
  try {
    doc = (parseYaml(readFileSync(join(dir, compose), 'utf8'), { merge: true }) ?? {}) as typeof doc;
  } catch (err) {
    throw new ConfigError(
      compose,
      `is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      'fix its syntax',
    );
  }
  const services = Object.entries(doc.services ?? {}).map(([n, s]) => [n, s ?? {}] as [string, Service]);
  if (!services.length)
    throw new ConfigError(compose, 'has no services', 'add the service that runs your app under services:');

  // The switched service: the app's own image (built here or named by an *APP*/*IMAGE* variable),
  // with a port, with a healthcheck; never the proxy or a one-off (profiles).
  const score = ([name, s]: [string, Service]) => {
    if (isProxy(name, s) || s.profiles) return -1;
    const image = String(s.image ?? '');
    let n = 0;
    if (s.build || /\$\{?[A-Z_]*APP[A-Z_]*/.test(image)) n += 4;
    if ((s.expose?.length ?? 0) > 0 || (s.ports?.length ?? 0) > 0) n += 2;
    if (s.healthcheck) n += 1;
    return n;
  };
  const ranked = services.map((e, i) => ({ e, i, n: score(e) })).sort((a, b) => b.n - a.n || a.i - b.i);
  if (ranked[0]!.n < 0)
    throw new ConfigError(
      compose,
      'has no service besides the proxy and one-offs',
      'add the service that runs your app',
    );
  const [service, svc] = ranked[0]!.e;

  const detected: Detected = {
    app: appName(dir),
    compose,
    otherCompose,
    services: services.map(([n]) => n),
    service,
  };
  const port = [...(svc.expose ?? []), ...(svc.ports ?? [])].map(containerPort).find((p) => p);
  if (port) {
    detected.port = port;
    detected.portFrom = `${compose} services.${service}`;
  }
  const dockerfile = join(dir, 'Dockerfile');
  const df = existsSync(dockerfile) ? readDockerfile(readFileSync(dockerfile, 'utf8')) : {};
  if (!detected.port && df.expose) {
    detected.port = df.expose;
    detected.portFrom = 'Dockerfile EXPOSE';
  }
  const composeProbe = healthPathOf(healthcheckText(svc.healthcheck?.test));
  const dockerProbe = df.healthcheck ? healthPathOf(df.healthcheck) : undefined;
  if (dockerProbe) {
    detected.healthPath = dockerProbe;
    detected.healthFrom = 'Dockerfile HEALTHCHECK';
  } else if (composeProbe) {
    detected.healthPath = composeProbe;
    detected.healthFrom = `${compose} services.${service}.healthcheck`;
  }

  const proxy = services.find(([n, s]) => isProxy(n, s));
  if (proxy) {
    const files: string[] = [];
    let upstreamDir: string | undefined;
    for (const v of proxy[1].volumes ?? []) {
      if (typeof v !== 'string') continue;
      const [src] = interpolateDefaults(v).split(':');
      if (!src?.startsWith('./') && !src?.startsWith('../')) continue;
      const rel = posix.normalize(src);
      if (rel.startsWith('..')) continue;
      const abs = join(dir, rel);
      if (!existsSync(abs)) continue;
      if (statSync(abs).isFile()) files.push(rel);
      else if (readdirSync(abs).some((f) => f.endsWith('.upstream.conf'))) upstreamDir = rel;
    }
    let upstream: string | undefined;
    for (const f of files) {
      const m = /proxy_pass\s+https?:\/\/([A-Za-z0-9_-]+)\s*;/.exec(readFileSync(join(dir, f), 'utf8'));
      if (m) upstream = m[1];
    }
    detected.proxy = {
      service: proxy[0],
      upstream,
      files,
      file: upstreamDir ? posix.join(upstreamDir, `${service}.upstream.conf`) : undefined,
    };
  }
  const image = String(svc.image ?? '');
  const migrate = services.find(
    ([n, s]) =>
      n !== service && s.profiles && /migrat/i.test(n) && (!image || String(s.image ?? '') === image),
  );
  if (migrate) detected.migrate = migrate[0];
  const evalDir = join(dir, 'eval');
  if (existsSync(evalDir)) {
    const suite = readdirSync(evalDir)
      .filter((f) => f.endsWith('.suite.yaml'))
      .sort()[0];
    if (suite) detected.evalSuite = `eval/${suite}`;
  }
  return detected;
}

/** ragship.yml for what was detected; `hosts` fill every role (a documentation address by default). */
export function renderConfig(
  d: Detected,
  options: { hosts?: string[]; environments?: string[] } = {},
): {
  text: string;
  todos: string[];
} {
  const todos: string[] = [];
  const hosts = options.hosts?.length ? options.hosts : [PLACEHOLDER_HOST];
  if (!options.hosts?.length)
    todos.push(`hosts: replace ${PLACEHOLDER_HOST} with your VM (user@host:port) in every environment`);
  todos.push(
    'known_hosts: record each host key from its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and store the known_hosts lines as the DEPLOY_KNOWN_HOSTS variable',
  );
  const port = d.port ?? 3000;
  if (!d.port)
    todos.push(
      `health.port: ${d.service} publishes no port in ${d.compose} or the Dockerfile; 3000 is a guess`,
    );
  const health = d.healthPath ?? '/health';
  if (!d.healthPath)
    todos.push(
      `health.http: ${health} is a guess (no HTTP probe in the Dockerfile HEALTHCHECK or ${d.compose}); use your app's readiness path`,
    );
  const proxy = d.proxy;
  const upstream = proxy?.upstream ?? `ragship_${d.service.replace(/-/g, '_')}`;
  const proxyFile = proxy?.file ?? `nginx/upstreams/${d.service}.upstream.conf`;
  if (proxy && !proxy.upstream)
    todos.push(
      `proxy.upstream: no proxy_pass found in ${proxy.files.join(', ') || 'a mounted nginx config'}; nginx must proxy_pass http://${upstream}`,
    );
  if (proxy && !proxy.file)
    todos.push(`proxy.file: mount the folder of ${proxyFile} into nginx and include *.upstream.conf from it`);
  if (!proxy)
    todos.push(
      `proxy: ${d.compose} has no nginx service, so the role uses strategy: recreate (a short outage per deploy); add nginx for zero-downtime switches (docs/getting-started.md)`,
    );
  if (d.otherCompose.length)
    todos.push(`compose: ${d.otherCompose.join(', ')} not used; add a role for each (e.g. a GPU role)`);
  const envs = options.environments?.length ? options.environments : ['staging', 'production'];
  const role = [
    `        hosts: [${hosts.join(', ')}]${options.hosts?.length ? '' : ' # TODO: your VM, user@host:port'}`,
    `        compose: [${d.compose}]`,
    ...(proxy?.files.length
      ? [`        files: [${proxy.files.join(', ')}] # copied next to ${d.compose} on the host`]
      : []),
    `        service: ${d.service} # the switched service: no host port, no container_name`,
    ...(proxy ? [] : ['        strategy: recreate # TODO: zero-downtime needs an nginx service (proxy:)']),
    ...(d.migrate
      ? [`        migrate: { service: ${d.migrate} } # runs with the new image before the switch`]
      : []),
    ...(proxy
      ? [
          `        proxy: { service: ${proxy.service}, upstream: ${upstream}, port: ${port}, file: ${proxyFile} }`,
        ]
      : []),
    `        health: { http: ${health}, port: ${port}, timeout: 2m }${d.healthPath ? ` # from ${d.healthFrom}` : ' # TODO: your readiness path'}`,
  ];
  const text = [
    `# ragship.yml written by \`ragship init\` (reference: docs/configuration.md of ragship).`,
    '# Check it with `ragship config check`; each TODO below is yours to fill in.',
    ...todos.map((t) => `# TODO ${t}`),
    `app: ${d.app}`,
    '# registry: { server: ghcr.io, username: your-org } # TODO: the user the hosts pull as',
    'retain: 5',
    'environments:',
    ...envs.flatMap((e) => [`  ${e}:`, '    roles:', '      web:', ...role]),
    '',
  ].join('\n');
  return { text, todos };
}

/** Directory of this package's workflow templates (shipped beside lib/ and src/). */
export function templatesDir(): string {
  return new URL('../../workflows-templates/', import.meta.url).pathname;
}

function callerWorkflow(name: string, d: Detected): string {
  let text = readFileSync(join(templatesDir(), name), 'utf8');
  if (name === 'pr.yml')
    text = text.replace(
      /eval-suite: eval\/example-app\.suite\.yaml[^\n]*/,
      d.evalSuite
        ? `eval-suite: ${d.evalSuite}`
        : 'eval-suite: "" # TODO: your eval suite, e.g. eval/app.suite.yaml (empty skips the eval gate)',
    );
  return text;
}

export function runInit(options: {
  dir: string;
  hosts?: string[];
  environments?: string[];
  force?: boolean;
  workflows?: boolean;
}): InitResult {
  for (const [i, h] of (options.hosts ?? []).entries()) parseHostSpec(h, i ? `host[${i}]` : 'host');
  const d = detect(options.dir);
  const { text, todos } = renderConfig(d, options);
  const files: Array<[string, string]> = [['ragship.yml', text]];
  if (options.workflows !== false)
    for (const w of WORKFLOW_CALLERS) files.push([posix.join('.github/workflows', w), callerWorkflow(w, d)]);
  const written: string[] = [];
  const skipped: string[] = [];
  for (const [rel, content] of files) {
    const path = join(options.dir, rel);
    if (existsSync(path) && !options.force) {
      skipped.push(rel);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    written.push(rel);
  }
  return { dir: options.dir, detected: d, written, skipped, todos };
}
