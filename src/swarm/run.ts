import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { errorMessage, tail, UserError } from '../core/errors.js';
import { Report } from '../core/report.js';
import { lockEnvironment, releasesTable, type StepTiming, step } from '../deploy/apply.js';
import {
  appendStdin,
  imageExists,
  listImages,
  mkdirs,
  pullImage,
  removeImage,
  removeTree,
} from '../deploy/commands.js';
import { envOverlay } from '../deploy/env-file.js';
import { envHashKey, keyedEnvHash } from '../deploy/env-hash.js';
import type { DeployLock } from '../deploy/lock.js';
import {
  activeRelease,
  newReleaseId,
  type ReleaseRecord,
  releaseFolder,
  resolveTarget,
  retainedImages,
} from '../deploy/release-log.js';
import { renderRole } from '../deploy/render.js';
import type { DeployInputs, DeployPorts, DeployResult } from '../deploy/run.js';
import { admitEnv, EnvSession, type HostEntry } from '../deploy/session.js';
import type { RollbackInputs, RollbackPorts, RollbackResult } from '../rollback/run.js';
import {
  imageCommand,
  migrationJob,
  networkCreate,
  networkExists,
  secretCreate,
  secretList,
  secretName,
  secretRemove,
  serviceLogs,
  servicePs,
  serviceRemove,
  stackDeploy,
  swarmState,
} from './commands.js';
import { type ConvergeReport, converge, updateSnapshot } from './converge.js';
import { pruneOtherNodes, replicateLog } from './nodes.js';
import { type RedactHashes, redactHashes } from './operate-model.js';
import { type ImageCommand, renderStack, SECRET_PREFIX, SECRETS_TO_ENV } from './stack.js';

/** What a Swarm release folder on the manager holds (no secret value: those are Swarm secrets). */
export interface SwarmManifest {
  releaseId: string;
  engine: 'swarm';
  stack: string;
  image: string;
  files: string[];
  services: string[];
  secrets: string[];
  /** Keyed hashes of the env values: `logs`/`exec` mask what only Swarm holds. */
  redact?: RedactHashes;
}

export const stackName = (s: EnvSession): string => `${s.app}-${s.inputs.environment}`;
const stackDir = (h: HostEntry, releaseId: string) => posix.join(h.root, 'releases', releaseId, 'stack');

/** The manager (first host of the environment): root, swarm role, registry login. */
async function preflightManager(s: EnvSession): Promise<HostEntry> {
  const h = s.primary;
  const layout = await s.resolveRoot(h);
  await h.host.exec(mkdirs(layout.root, layout.releases));
  const state = (await h.host.exec(swarmState, { allowFailure: true })).stdout.trim();
  if (state !== 'active true')
    throw new UserError(
      `${h.key} preflight`,
      `engine: swarm needs a Swarm manager, but this host's Docker says "${state || 'no answer'}" (LocalNodeState ControlAvailable)`,
      'list a manager first in the role hosts (docker swarm init / join --token <manager token>), see docs/swarm.md',
    );
  await s.login(h);
  return h;
}

async function resolveDigest(h: HostEntry, image: string): Promise<string> {
  if (image.includes('@sha256:')) return image.replace(/:[^/:@]+@/, '@');
  await h.host.exec(pullImage(image), { where: `${h.key} pull ${image}` });
  const r = await h.host.exec([
    'docker',
    'image',
    'inspect',
    '--format',
    '{{range .RepoDigests}}{{.}}\n{{end}}',
    image,
  ]);
  const repo = image.replace(/:[^/:]+$/, '');
  const digest = r.stdout.split('\n').find((d) => d.startsWith(`${repo}@`));
  if (!digest)
    throw new UserError(
      'image',
      `${image} has no registry digest on ${h.key}`,
      'push the image and deploy repo@sha256:…',
    );
  return digest;
}

async function commandsOf(h: HostEntry, images: string[]): Promise<Map<string, ImageCommand>> {
  const out = new Map<string, ImageCommand>();
  for (const image of images) {
    if ((await h.host.exec(imageExists(image), { allowFailure: true })).code !== 0)
      await h.host.exec(pullImage(image), { where: `${h.key} pull ${image}`, timeoutMs: 1_800_000 });
    const [ep, cmd] = (await h.host.exec(imageCommand(image))).stdout.trim().split('\t');
    out.set(image, { entrypoint: JSON.parse(ep ?? 'null'), cmd: JSON.parse(cmd ?? 'null') });
  }
  return out;
}

async function recordOnManager(
  s: EnvSession,
  h: HostEntry,
  rec: ReleaseRecord,
  jobImage?: string,
): Promise<void> {
  const log = posix.join(h.root, 'releases.jsonl');
  const written = await h.host.exec(appendStdin(log), { input: `${JSON.stringify(rec)}\n` }).then(
    () => true,
    (e) => {
      s.ports.logger.warn(`the release log could not be written on ${h.key}: ${errorMessage(e)}`);
      return false;
    },
  );
  if (!written || !jobImage) return;
  // The whole log of record, as this manager has it, to every other manager.
  const text = (await h.host.readFile(log))?.toString('utf8') ?? '';
  const owner = (await h.host.exec(['id', '-u'])).stdout.trim();
  const group = (await h.host.exec(['id', '-g'])).stdout.trim();
  await replicateLog({
    host: h.host,
    stack: stackName(s),
    image: jobImage,
    id: rec.id,
    logger: s.ports.logger,
    where: h.key,
    root: h.root,
    owner: `${owner}:${group}`,
    log: text,
  });
}

/** Deploys a release as `docker stack deploy` on a manager (engine: swarm). */
export async function runSwarmDeploy(inputs: DeployInputs, ports: DeployPorts): Promise<DeployResult> {
  const s = new EnvSession(inputs, ports);
  const logger = ports.logger;
  admitEnv(s, inputs.env, logger);
  const stack = stackName(s);
  const timings: StepTiming[] = [];
  const startedAt = new Date();
  const releaseId = newReleaseId(startedAt, inputs.gitSha);
  let lock: DeployLock | undefined;
  let rec: ReleaseRecord | undefined;
  let created: string[] = [];
  let manager: HostEntry | undefined;
  let converged: ConvergeReport | undefined;
  let previousImage: string | undefined;
  try {
    const h = await step(s, timings, 'preflight', 'manager', () => preflightManager(s));
    manager = h;
    const image = await resolveDigest(h, inputs.image);
    const bundles = new Map(
      s.roles.map(([n, r]) => [n, renderRole(n, r, inputs.repoDir, image, {}, releaseId)]),
    );
    const secrets = Object.fromEntries(
      Object.keys(inputs.env).map((k) => [k, secretName(stack, releaseId, k)]),
    );
    const receivers = s.roles.flatMap(([n, r]) =>
      r.appImage ? [image] : [String(serviceImage(bundles.get(n)!, r.service))],
    );
    const commands =
      Object.keys(secrets).length || s.roles.some(([, r]) => r.migrate)
        ? await commandsOf(h, [...new Set(receivers)])
        : new Map();
    const dir = stackDir(h, releaseId);
    const rendered = renderStack({
      stack,
      releaseId,
      bundles,
      roles: s.roles,
      secrets,
      commands,
      filesDir: (role) => posix.join(dir, 'files', role),
    });
    if (inputs.dryRun) {
      logger.info(`dry run: would deploy ${image} as ${releaseId} to stack ${stack} on ${h.key}`);
      for (const f of rendered.files) logger.info(`${f.name}:\n${f.content}`);
      return finish(s, { releaseId, image, timings, pruned: [], stack, dry: true });
    }
    lock = await lockEnvironment(s, timings, inputs, ports.onLocked);
    const before = await s.readReleases(h);
    const previous = activeRelease(before);
    previousImage = previous?.image;
    rec = {
      id: releaseId,
      kind: 'deploy',
      app: s.app,
      environment: inputs.environment,
      gitSha: inputs.gitSha,
      image,
      images: Object.fromEntries(s.roles.filter(([, r]) => r.appImage).map(([n]) => [n, image])),
      composeHash: [...bundles.values()].map((b) => b.composeHash).join(','),
      envHash: keyedEnvHash(await envHashKey(h.host), envOverlay(['app'], inputs.env)),
      actor: inputs.actor,
      runUrl: inputs.runUrl,
      result: 'failed',
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      timings: {},
      previous: previous?.id,
      schemaVersion: inputs.schemaVersion,
    };
    await step(s, timings, 'upload', h.key, async () => {
      const roleFiles = [...bundles.entries()].flatMap(([role, b]) =>
        b.files.map((f) => ({ path: posix.join(dir, 'files', role, f.path), content: f.content })),
      );
      await h.host.exec(mkdirs(dir, ...new Set(roleFiles.map((f) => posix.dirname(f.path)))));
      for (const f of rendered.files) await h.host.upload(posix.join(dir, f.name), f.content, 0o600);
      for (const f of roleFiles) await h.host.upload(f.path, f.content, 0o644);
      const manifest: SwarmManifest = {
        releaseId,
        engine: 'swarm',
        stack,
        image,
        files: rendered.files.map((f) => f.name),
        services: rendered.services,
        secrets: Object.values(secrets),
        redact: redactHashes(Object.values(inputs.env)),
      };
      await h.host.upload(posix.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
    });
    await step(s, timings, 'secrets', `${Object.keys(secrets).length} secret(s)`, async () => {
      for (const [key, name] of Object.entries(secrets)) {
        await h.host.exec(secretCreate(name, { 'ragship.stack': stack, 'ragship.release': releaseId }), {
          input: inputs.env[key]!,
          where: `${h.key} docker secret create (${key})`,
        });
        created.push(name);
      }
    });
    const network = `${stack}_default`;
    if ((await h.host.exec(networkExists(network), { allowFailure: true })).code !== 0)
      await h.host.exec(networkCreate(stack, network), { where: `${h.key} overlay network ${network}` });
    for (const [roleName, role] of s.roles) {
      if (!role.migrate) continue;
      await lock.assertHeld();
      await step(s, timings, 'migrate', h.key, async () => {
        const svc = (serviceOf(bundles.get(roleName)!, role.migrate!.service) ?? {}) as Record<
          string,
          unknown
        >;
        const own = commands.get(image) ?? { entrypoint: null, cmd: null };
        const original = role.migrate!.command ?? [
          ...((svc.entrypoint as string[] | undefined) ?? own.entrypoint ?? []),
          ...((svc.command as string[] | undefined) ?? (svc.entrypoint ? [] : (own.cmd ?? []))),
        ];
        await runMigration(s, h, {
          name: `${stack}_migrate_${releaseId.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 63),
          stack,
          network,
          image,
          secrets: Object.entries(secrets).map(([k, source]) => ({ source, target: `${SECRET_PREFIX}${k}` })),
          env: { RAGSHIP_RELEASE: releaseId },
          entrypoint: ['/bin/sh', '-c'],
          args: [SECRETS_TO_ENV, 'ragship', ...original],
          timeoutSeconds: role.migrate!.timeout,
        });
      });
    }
    await lock.assertHeld();
    converged = await step(s, timings, 'stack deploy + rolling update', h.key, () =>
      deployStack(
        s,
        h,
        stack,
        dir,
        rendered.files.map((f) => f.name),
        rendered.services,
        image,
      ),
    );
    rec.result = 'success';
    created = [];
    let pruned: string[] = [];
    await step(s, timings, 'record + prune', h.key, async () => {
      rec!.finishedAt = new Date().toISOString();
      rec!.timings = Object.fromEntries(timings.map((t) => [t.step, t.ms]));
      await recordOnManager(s, h, rec!, image);
      pruned = await pruneSwarm(s, h, stack, [...before, rec!], inputs.config.retain, {
        image,
        id: releaseId,
      });
    });
    return finish(s, {
      releaseId,
      image,
      previousReleaseId: previous?.id,
      timings,
      pruned,
      stack,
      converged,
      records: [...before, rec],
    });
  } catch (err) {
    if (manager && created.length)
      await manager.host.exec(secretRemove(created), { allowFailure: true }).catch(() => undefined);
    if (manager && rec && rec.result !== 'success') {
      rec.error = errorMessage(err).slice(0, 2000);
      rec.finishedAt = new Date().toISOString();
      // The copy job runs the active release's image: the failed one may not even start.
      await recordOnManager(s, manager, rec, previousImage);
    }
    throw err;
  } finally {
    await lock
      ?.release()
      .catch((e) =>
        logger.warn(`could not release the deploy lock: ${errorMessage(e)} — it expires after its TTL`),
      );
    s.close();
  }
}

/** A service of a role's rendered compose files (image pinned), as parsed YAML. */
function serviceOf(b: { composeFiles: Array<{ content: string }> }, name: string): unknown {
  let found: unknown;
  for (const f of b.composeFiles) {
    const doc = (parseYaml(f.content) ?? {}) as { services?: Record<string, unknown> };
    if (doc.services?.[name]) found = { ...(found as object), ...(doc.services[name] as object) };
  }
  return found;
}

function serviceImage(b: { composeFiles: Array<{ content: string }> }, name: string): unknown {
  return (serviceOf(b, name) as { image?: string } | undefined)?.image;
}

/** The migration as a replicated job: waits for it, prints its output, removes it. */
async function runMigration(
  s: EnvSession,
  h: HostEntry,
  o: Parameters<typeof migrationJob>[0] & { timeoutSeconds: number },
): Promise<void> {
  await h.host.exec(migrationJob(o), { where: `${h.key} migration job` });
  const deadline = performance.now() + o.timeoutSeconds * 1000;
  let state = '';
  let error = '';
  try {
    for (;;) {
      const ps = await h.host.exec(servicePs(o.name), { allowFailure: true });
      const first = ps.stdout.split('\n').find(Boolean)?.split('\t') ?? [];
      state = first[3] ?? '';
      error = first[4] ?? '';
      if (/^(Complete|Failed|Rejected|Shutdown|Orphaned)/.test(state)) break;
      if (performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const logs = await h.host.exec(serviceLogs(o.name, 40), { allowFailure: true, timeoutMs: 30_000 });
    const output = tail(`${logs.stdout}${logs.stderr}`, 40);
    if (output) s.ports.logger.info(output);
    if (!state.startsWith('Complete'))
      throw new UserError(
        `${h.key} migrate`,
        state && !/^(Failed|Rejected)/.test(state) && performance.now() > deadline
          ? `the migration did not finish within ${o.timeoutSeconds} s and was stopped; no service was updated, the old release keeps serving:\n${output}`
          : `the migration job ended "${state}"${error ? ` (${error})` : ''}; no service was updated, the old release keeps serving:\n${output}`,
        'fix the migration and deploy again',
      );
  } finally {
    await h.host.exec(serviceRemove([o.name]), { allowFailure: true }).catch(() => undefined);
  }
}

async function deployStack(
  s: EnvSession,
  h: HostEntry,
  stack: string,
  dir: string,
  files: string[],
  services: string[],
  image: string,
): Promise<ConvergeReport> {
  const before = await updateSnapshot(h.host, services);
  const r = await h.host.exec(
    stackDeploy(
      stack,
      files.map((f) => posix.join(dir, f)),
    ),
    {
      allowFailure: true,
      where: `${h.key} docker stack deploy`,
      timeoutMs: 600_000,
    },
  );
  s.ports.logger.info(tail(`${r.stdout}${r.stderr}`, 40));
  if (r.code !== 0)
    throw new UserError(
      `${h.key} docker stack deploy`,
      `docker stack deploy exited with status ${r.code}; nothing was updated:\n${tail(r.stderr || r.stdout, 20)}`,
      'fix the compose files for Swarm (docker stack deploy --help) and deploy again',
    );
  const timeout = Math.max(
    120,
    ...s.roles.map(
      ([, role]) => (role.health.timeout + role.health.interval * 10 + 30) * (role.replicas + 1),
    ),
  );
  return converge(h.host, {
    services,
    before,
    image,
    timeoutSeconds: timeout,
    logger: s.ports.logger,
    where: h.key,
  });
}

/**
 * Release folders, secrets and images beyond retention, on the manager and (through a
 * global job, nodes.ts) on every other node. Never a retained release's image; `docker image
 * rm` without --force also refuses any image a container still uses.
 */
async function pruneSwarm(
  s: EnvSession,
  h: HostEntry,
  stack: string,
  records: ReleaseRecord[],
  retain: number,
  job: { image: string; id: string },
): Promise<string[]> {
  const ok = records.filter((r) => r.result === 'success').slice(-retain);
  const keepIds = new Set(ok.flatMap((r) => [r.id, releaseFolder(r)]));
  const keep = retainedImages(records, retain);
  const removed: string[] = [];
  const dropIds = [...new Set(records.map((r) => r.id))].filter((id) => !keepIds.has(id));
  if (dropIds.length)
    await h.host.exec(removeTree(...dropIds.map((id) => posix.join(h.root, 'releases', id))), {
      allowFailure: true,
    });
  const names = (await h.host.exec(secretList(stack), { allowFailure: true })).stdout
    .split('\n')
    .filter(Boolean);
  const stale = names.filter(
    (n) => ![...keepIds].some((id) => n.startsWith(`${stack}_${id}_`) || n.includes(`_${id.slice(0, 24)}_`)),
  );
  for (const n of stale) {
    // `docker secret rm` refuses a secret a service still uses: the last safety net.
    const r = await h.host.exec(secretRemove([n]), { allowFailure: true });
    if (r.code === 0) removed.push(`${h.key} secret ${n}`);
  }
  const deployedHere = new Set(records.flatMap((r) => Object.values(r.images)));
  const repos = new Set([...deployedHere].map((ref) => ref.split('@')[0]!.replace(/:[^/:]+$/, '')));
  for (const repo of repos) {
    const list = await h.host.exec(listImages(repo), { allowFailure: true });
    for (const line of list.stdout.split('\n')) {
      const ref = line.split('\t')[0]?.trim();
      if (!ref || ref.endsWith('@<none>') || keep.has(ref) || !deployedHere.has(ref)) continue;
      const r = await h.host.exec(removeImage(ref), { allowFailure: true });
      if (r.code === 0) removed.push(`${h.key} ${ref}`);
    }
  }
  // Every other node: the images this environment deployed that no retained release uses.
  const oldImages = [...deployedHere].filter((ref) => !keep.has(ref) && ref.includes('@sha256:'));
  removed.push(
    ...(await pruneOtherNodes(
      { host: h.host, stack, image: job.image, id: job.id, logger: s.ports.logger, where: h.key },
      oldImages,
    )),
  );
  return removed;
}

/** Redeploys a recorded release's stack files (its digests and its secrets) as a whole. */
export async function runSwarmRollback(
  inputs: RollbackInputs,
  ports: RollbackPorts,
): Promise<RollbackResult> {
  const s = new EnvSession(inputs, ports);
  const t0 = performance.now();
  const timings: StepTiming[] = [];
  const releaseId = newReleaseId(new Date());
  const stack = stackName(s);
  let lock: DeployLock | undefined;
  let rec: ReleaseRecord | undefined;
  let h: HostEntry | undefined;
  try {
    h = await step(s, timings, 'preflight', 'manager', () => preflightManager(s));
    const m = h;
    lock = await lockEnvironment(s, timings, inputs, ports.onLocked);
    const records = await s.readReleases(m);
    const target = resolveTarget(records, inputs.to);
    const folder = releaseFolder(target);
    const raw = await m.host.readFile(posix.join(stackDir(m, folder), 'manifest.json'));
    if (!raw)
      throw new UserError(
        'to',
        `release ${folder} has no release folder on ${m.key} (pruned beyond retention)`,
        'roll back to a retained release (`ragship releases`)',
      );
    const manifest = JSON.parse(raw.toString('utf8')) as SwarmManifest;
    const active = activeRelease(records);
    rec = {
      ...target,
      id: releaseId,
      kind: 'rollback',
      source: folder,
      actor: inputs.actor,
      runUrl: inputs.runUrl,
      result: 'failed',
      startedAt: new Date().toISOString(),
      finishedAt: '',
      timings: {},
      previous: active?.id,
      error: undefined,
      output: undefined,
    };
    if (inputs.reason) ports.logger.info(`reason: ${inputs.reason}`);
    await lock.assertHeld();
    const converged = await step(s, timings, 'stack deploy + rolling update', m.key, () =>
      deployStack(s, m, stack, stackDir(m, folder), manifest.files, manifest.services, manifest.image),
    );
    rec.result = 'success';
    rec.finishedAt = new Date().toISOString();
    await recordOnManager(s, m, rec, manifest.image);
    const report = new Report()
      .heading(`Rollback ${s.app} ${inputs.environment} to ${target.id} (Swarm stack ${stack})`)
      .table(
        ['', ''],
        [
          ['image', manifest.image],
          ['from', active?.id ?? '—'],
          ['nodes down during the update', converged.downNodes.join(', ') || 'none'],
        ],
      )
      .heading('Releases', 3)
      .text(releasesTable([...records, rec]).toString());
    return {
      releaseId,
      targetReleaseId: target.id,
      fromReleaseId: active?.id,
      image: manifest.image,
      timeToHealthyMs: converged.ms,
      durationMs: Math.round(performance.now() - t0),
      timings,
      connectionsPerHost: s.connectionsPerHost(),
      report,
    };
  } catch (err) {
    if (h && rec && rec.result !== 'success') {
      rec.error = errorMessage(err).slice(0, 2000);
      rec.finishedAt = new Date().toISOString();
      await recordOnManager(s, h, rec);
    }
    throw err;
  } finally {
    await lock?.release().catch(() => undefined);
    s.close();
  }
}

function finish(
  s: EnvSession,
  o: {
    releaseId: string;
    image: string;
    previousReleaseId?: string;
    timings: StepTiming[];
    pruned: string[];
    stack: string;
    converged?: ConvergeReport;
    records?: ReleaseRecord[];
    dry?: boolean;
  },
): DeployResult & { swarm: { stack: string; downNodes: string[]; warnings: string[] } } {
  const downNodes = o.converged?.downNodes ?? [];
  const report = new Report()
    .heading(`${o.dry ? 'Dry run: ' : ''}Deploy ${s.app} to ${s.inputs.environment} (Swarm stack ${o.stack})`)
    .table(
      ['', ''],
      [
        ['release', o.releaseId],
        ['image', o.image],
        ['previous release', o.previousReleaseId ?? '—'],
        ['rolling update', `${((o.converged?.ms ?? 0) / 1000).toFixed(1)} s`],
        ['nodes down during the update', downNodes.join(', ') || 'none'],
      ],
    )
    .heading('Steps', 3)
    .table(
      ['step', 'where', 'duration', 'ok'],
      o.timings.map((t) => [t.step, t.host, `${(t.ms / 1000).toFixed(1)} s`, t.ok ? '✅' : '❌']),
    );
  for (const w of o.converged?.warnings ?? []) report.text(`⚠️ ${w}`);
  if (o.pruned.length) report.details(`pruned ${o.pruned.length}`, o.pruned.join('\n'));
  if (o.records) report.heading('Releases', 3).text(releasesTable(o.records).toString());
  return {
    releaseId: o.releaseId,
    previousReleaseId: o.previousReleaseId,
    image: o.image,
    url: s.env.url,
    timeToHealthyMs: o.converged?.ms ?? 0,
    timings: o.timings,
    connectionsPerHost: s.connectionsPerHost(),
    report,
    pruned: o.pruned,
    swarm: { stack: o.stack, downNodes, warnings: o.converged?.warnings ?? [] },
  };
}
