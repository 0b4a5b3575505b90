import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CommandError, UserError } from '../core/errors.js';
import type { Exec } from '../core/exec.js';
import { loginArgs } from './args.js';
import { classifyLoginError } from './build-output.js';

/** True when `docker buildx` answers (the plugin is installed for this docker config). */
export async function hasBuildx(exec: Exec, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const r = await exec(['docker', 'buildx', 'version'], { env, allowFailure: true, timeoutMs: 30_000 });
    return r.code === 0;
  } catch {
    return false;
  }
}

/** Every `docker` executable on PATH, in PATH order, one per real file. */
function dockerClientsOnPath(env: NodeJS.ProcessEnv): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, 'docker');
    try {
      accessSync(path, constants.X_OK);
      const real = realpathSync(path);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(path);
    } catch {
      // not here
    }
  }
  return out;
}

/**
 * A docker client whose built-in BuildKit works without buildx (`DOCKER_BUILDKIT=1 docker build`).
 * Clients before 23.0 have it; later ones refuse BuildKit without the buildx plugin, and a machine
 * may have both (Debian's 20.10 in /usr/bin behind a newer one in /usr/local/bin). Each client on
 * PATH builds a one-line image from scratch into /dev/null (about 0.4 s, nothing left in the image
 * store); the first that succeeds is returned.
 */
export async function builtinBuildkitClient(exec: Exec, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const probe = mkdtempSync(join(tmpdir(), 'ragship-buildkit-probe-'));
  try {
    writeFileSync(join(probe, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /probe\n');
    for (const client of dockerClientsOnPath(env)) {
      try {
        const r = await exec([client, 'build', '--quiet', '--output', 'type=tar,dest=/dev/null', probe], {
          env: { ...env, DOCKER_BUILDKIT: '1' },
          allowFailure: true,
          timeoutMs: 60_000,
        });
        if (r.code === 0) return client;
      } catch {
        // this client cannot run at all: try the next
      }
    }
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * A private DOCKER_CONFIG for one run: the credentials of this login live there only, so a
 * concurrent job on the same runner neither sees them nor loses its own when we clean up.
 * Plugins, buildx builders and contexts of the user's config stay visible through symlinks.
 */
export function isolatedDockerConfig(dir: string, env: NodeJS.ProcessEnv): string {
  const source = env.DOCKER_CONFIG || join(homedir(), '.docker');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let config: Record<string, unknown> = {};
  const sourceConfig = join(source, 'config.json');
  if (existsSync(sourceConfig)) {
    try {
      config = JSON.parse(readFileSync(sourceConfig, 'utf8'));
    } catch {
      config = {};
    }
  }
  delete config.auths;
  delete config.credsStore;
  delete config.credHelpers;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  for (const sub of ['cli-plugins', 'buildx', 'contexts']) {
    const from = join(source, sub);
    if (!existsSync(from)) continue;
    try {
      symlinkSync(from, join(dir, sub));
    } catch {
      cpSync(from, join(dir, sub), { recursive: true });
    }
  }
  return dir;
}

/** docker login with the password on stdin; failures say which of the two usual problems it was. */
export async function dockerLogin(
  exec: Exec,
  env: NodeJS.ProcessEnv,
  registry: string,
  username: string,
  password: string,
): Promise<void> {
  const where = `registry ${registry || 'docker.io'}`;
  const r = await exec(loginArgs(registry, username), {
    env,
    input: password,
    allowFailure: true,
    timeoutMs: 60_000,
    where,
  });
  if (r.code === 0) return;
  const detail = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
  switch (classifyLoginError(r.stderr)) {
    case 'unauthorized':
      throw new UserError(
        where,
        `rejected the credentials of user ${JSON.stringify(username)} (${detail})`,
        'check the username and the password/token secret, and that the token may push to this registry',
      );
    case 'unreachable':
      throw new UserError(
        where,
        `is unreachable (${detail})`,
        'check the registry host and port, and that the runner can reach it',
      );
    default:
      throw new CommandError('docker login', r.code, detail, where);
  }
}
