import { UserError } from '../../core/errors.js';
import type { Argv } from '../../core/shell.js';
import type { HostOs } from '../os.js';
import type { ProvisionSettings } from '../settings.js';
import type { Step, StepContext } from '../step.js';
import type { Target } from '../target.js';

const TIME_DAEMONS = ['chrony', 'ntp', 'ntpsec', 'openntpd', 'systemd-timesyncd'];
const DOCKER_CE = [
  'docker-ce',
  'docker-ce-cli',
  'containerd.io',
  'docker-buildx-plugin',
  'docker-compose-plugin',
];
const APT_ENV = ['env', 'DEBIAN_FRONTEND=noninteractive', 'NEEDRESTART_MODE=a'];
// Fresh cloud VMs run unattended-upgrades at first boot: wait for the dpkg lock instead of failing.
const APT_OPTS = [
  '-o',
  'DPkg::Lock::Timeout=600',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
];

/** Docker packages per source: the distribution's docker.io + compose, or Docker's own repository. */
export function dockerPackages(os: HostOs, source: ProvisionSettings['dockerSource']): string[] {
  if (source === 'docker') return DOCKER_CE;
  // Debian 12 ships compose v1 (docker-compose 1.29); Ubuntu 22.04/24.04 ship the v2 plugin.
  return ['docker.io', os.id === 'ubuntu' ? 'docker-compose-v2' : 'docker-compose'];
}

/** Every package the wanted state needs (docker, firewall, fail2ban, updates, sudo, time sync). */
export function wantedPackages(
  settings: ProvisionSettings,
  os: HostOs,
  opts: { needSudo: boolean; timeDaemon?: string },
): string[] {
  const s = settings.steps;
  const pkgs = ['ca-certificates'];
  if (s.has('docker') || s.has('deploy-user'))
    // curl: a deploy's health gate probes containers with it (the deploy preflight requires it).
    pkgs.push(...dockerPackages(os, settings.dockerSource), 'curl');
  if (s.has('firewall')) pkgs.push('ufw');
  // python3-systemd: the sshd jail reads the journal (Debian 12 has no /var/log/auth.log by default).
  if (s.has('fail2ban')) pkgs.push('fail2ban', 'python3-systemd');
  if (s.has('unattended-upgrades')) pkgs.push('unattended-upgrades');
  if (s.has('time-sync') && !opts.timeDaemon) pkgs.push('systemd-timesyncd');
  if (opts.needSudo || s.has('admin-user')) pkgs.push('sudo');
  return [...new Set(pkgs)];
}

/** Installed packages among `names` (dpkg says "ii"). */
export async function installed(target: Target, names: string[]): Promise<Set<string>> {
  // dpkg-query's own ${field} format (a plain string, not a template).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format, not a JS template
  const r = await target.run(['dpkg-query', '-W', '-f=${Package}\t${db:Status-Abbrev}\n', ...names], {
    allowFailure: true,
  });
  const found = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const [name, status] = line.split('\t');
    if (name && status?.startsWith('ii')) found.add(name);
  }
  return found;
}

export function aptInstall(pkgs: string[]): Argv {
  return [...APT_ENV, 'apt-get', ...APT_OPTS, 'install', '-y', '--no-install-recommends', ...pkgs];
}

export function aptUpdate(): Argv {
  return [...APT_ENV, 'apt-get', ...APT_OPTS, 'update', '-q'];
}

/** Installs curl and CA certificates, then downloads an apt repository's signing key to `path` (under /etc/apt/keyrings). */
export async function fetchAptKey(target: Target, path: string, url: string): Promise<void> {
  await target.run(aptInstall(['ca-certificates', 'curl']), { timeoutMs: 900_000 });
  await target.run(['install', '-m', '0755', '-d', '/etc/apt/keyrings']);
  await target.run(['curl', '-fsSL', '--retry', '3', '-o', path, url]);
}

/** Docker's apt repository (deb822 source with its own keyring), as docs.docker.com describes it. */
export function dockerRepoSource(os: HostOs): string {
  return [
    'Types: deb',
    `URIs: https://download.docker.com/linux/${os.id}`,
    `Suites: ${os.codename}`,
    'Components: stable',
    `Architectures: ${os.arch}`,
    'Signed-By: /etc/apt/keyrings/docker.asc',
    '',
  ].join('\n');
}

export const DOCKER_SOURCE_PATH = '/etc/apt/sources.list.d/docker.sources';

async function timeDaemon(target: Target): Promise<string | undefined> {
  const have = await installed(target, TIME_DAEMONS);
  return TIME_DAEMONS.find((d) => have.has(d));
}

async function missingPackages(ctx: StepContext): Promise<string[]> {
  const wanted = wantedPackages(ctx.settings, ctx.os, {
    needSudo: !ctx.target.asRoot,
    timeDaemon: await timeDaemon(ctx.target),
  });
  const have = await installed(ctx.target, wanted);
  return wanted.filter((p) => !have.has(p));
}

export const packagesStep: Step = {
  id: 'packages',
  title: 'Packages (Docker, compose, ufw, fail2ban, unattended-upgrades, time sync)',
  async check(ctx) {
    const changes: string[] = [];
    if (ctx.settings.dockerSource === 'docker') {
      const conflict = await installed(ctx.target, ['docker.io', 'docker-compose', 'podman-docker']);
      if (conflict.size > 0) {
        throw new UserError(
          ctx.target.label,
          `${[...conflict].join(', ')} from the distribution ${conflict.size === 1 ? 'is' : 'are'} installed; Docker's packages conflict with them`,
          'keep docker-source: distribution, or remove them first (apt-get remove docker.io docker-compose containerd runc)',
        );
      }
      if ((await ctx.target.readFile(DOCKER_SOURCE_PATH)) !== dockerRepoSource(ctx.os))
        changes.push(`add Docker's apt repository (${DOCKER_SOURCE_PATH})`);
    }
    const missing = await missingPackages(ctx);
    if (missing.length) changes.push(`install ${missing.join(' ')}`);
    return changes;
  },
  async apply(ctx) {
    const t = ctx.target;
    if (ctx.settings.dockerSource === 'docker') {
      await t.run(aptUpdate(), { timeoutMs: 900_000 });
      await fetchAptKey(
        t,
        '/etc/apt/keyrings/docker.asc',
        `https://download.docker.com/linux/${ctx.os.id}/gpg`,
      );
      await t.run(['chmod', 'a+r', '/etc/apt/keyrings/docker.asc']);
      await t.writeFile(DOCKER_SOURCE_PATH, dockerRepoSource(ctx.os));
    }
    const missing = await missingPackages(ctx);
    if (missing.length === 0) return;
    await t.run(aptUpdate(), { timeoutMs: 900_000 });
    ctx.logger.info(`installing ${missing.join(' ')}`);
    await t.run(aptInstall(missing), { timeoutMs: 1_800_000 });
  },
};

/** systemctl is-enabled / is-active, tolerant of units that do not exist yet. */
export async function unitState(target: Target, unit: string): Promise<{ enabled: string; active: string }> {
  const enabled =
    (await target.run(['systemctl', 'is-enabled', unit], { allowFailure: true })).stdout.trim() || 'missing';
  const active =
    (await target.run(['systemctl', 'is-active', unit], { allowFailure: true })).stdout.trim() || 'unknown';
  return { enabled, active };
}

export const dockerStep: Step = {
  id: 'docker',
  title: 'Docker Engine enabled and running',
  async check(ctx) {
    const { enabled, active } = await unitState(ctx.target, 'docker');
    const changes: string[] = [];
    if (enabled !== 'enabled') changes.push(`enable docker (is ${enabled})`);
    if (active !== 'active') changes.push(`start docker (is ${active})`);
    if (changes.length === 0) {
      const v = await ctx.target.run(['docker', 'version', '--format', '{{.Server.Version}}'], {
        allowFailure: true,
      });
      if (v.code !== 0)
        changes.push(`restart docker (the daemon does not answer: ${v.stderr.trim().split('\n').pop()})`);
    }
    return changes;
  },
  async apply(ctx, changes) {
    await ctx.target.run(['systemctl', 'enable', '--now', 'docker']);
    if (changes.some((c) => c.startsWith('restart')))
      await ctx.target.run(['systemctl', 'restart', 'docker']);
  },
};
