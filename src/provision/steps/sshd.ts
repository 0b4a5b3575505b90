import { UserError } from '../../core/errors.js';
import type { ProvisionSettings } from '../settings.js';
import type { Step, StepContext } from '../step.js';

/**
 * "00-" so it is read first: sshd keeps the first value it sees, and cloud images ship
 * drop-ins such as 50-cloud-init.conf that turn PasswordAuthentication back on.
 */
export const SSHD_DROPIN = '/etc/ssh/sshd_config.d/00-ragship.conf';

/** Effective values (as `sshd -T` prints them, lower-case) the hardened host must show. */
export function wantedSshd(settings: Pick<ProvisionSettings, 'permitRootLogin'>): Record<string, string[]> {
  return {
    passwordauthentication: ['no'],
    kbdinteractiveauthentication: ['no'],
    permitemptypasswords: ['no'],
    pubkeyauthentication: ['yes'],
    // sshd -T prints prohibit-password under its old name on some OpenSSH versions.
    permitrootlogin: settings.permitRootLogin === 'no' ? ['no'] : ['prohibit-password', 'without-password'],
    x11forwarding: ['no'],
    allowagentforwarding: ['no'],
    maxauthtries: ['3'],
  };
}

export function sshdDropIn(settings: Pick<ProvisionSettings, 'permitRootLogin'>): string {
  return [
    '# Managed by ragship provision: keys only. Applied only after the deploy user proved its key login.',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitEmptyPasswords no',
    'PubkeyAuthentication yes',
    `PermitRootLogin ${settings.permitRootLogin}`,
    'X11Forwarding no',
    'AllowAgentForwarding no',
    'MaxAuthTries 3',
    '',
  ].join('\n');
}

export function parseSshdT(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(' ');
    if (at > 0 && !m.has(line.slice(0, at))) m.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return m;
}

/** Effective settings that differ from the wanted ones. */
export function sshdDifferences(effective: Map<string, string>, want: Record<string, string[]>): string[] {
  return Object.entries(want)
    .filter(([k, v]) => !v.includes(effective.get(k) ?? ''))
    .map(([k, v]) => `${k} ${effective.get(k) ?? 'unset'} → ${v[0]}`);
}

async function effective(ctx: StepContext): Promise<Map<string, string>> {
  const r = await ctx.target.run(['sshd', '-T'], { allowFailure: true });
  if (r.code !== 0)
    throw new UserError(
      ctx.target.label,
      `sshd -T failed: ${r.stderr.trim()}`,
      'fix the sshd configuration (sshd -t shows the error)',
    );
  return parseSshdT(r.stdout);
}

/**
 * The lock-out guard: before sshd is changed, the deploy user must log in with its key over a
 * NEW connection, and the operator must keep a way in (root by key, or the admin sudo user).
 */
export async function lockoutGuard(ctx: StepContext): Promise<void> {
  const { settings } = ctx;
  const refuse = (problem: string, fix: string) => {
    throw new UserError(
      ctx.target.label,
      `refusing to harden sshd: ${problem}; nothing in sshd was changed`,
      fix,
    );
  };
  if (!settings.deployPrivateKey) {
    refuse(
      `cannot prove that ${settings.deployUser} logs in without the deploy private key`,
      'pass deploy-private-key, or harden-ssh: false',
    );
  }
  const deploy = await ctx.probeLogin(settings.deployUser, 'deploy', ['id', '-nG']);
  if (!deploy.ok) {
    refuse(
      `${settings.deployUser} could not log in with the deploy key over a new connection (${deploy.error})`,
      `check AllowUsers/DenyUsers/AuthorizedKeysFile in sshd_config and ~${settings.deployUser}/.ssh/authorized_keys`,
    );
  }
  ctx.logger.info(
    `${ctx.target.label}: lock-out guard: ${settings.deployUser} logged in with the deploy key over a new connection`,
  );
  if (ctx.connectedAs === 'root' && settings.permitRootLogin === 'no') {
    if (!settings.adminUser) {
      refuse(
        'this run logs in as root, and PermitRootLogin no would end that with no other admin login',
        'set admin-user (a sudo user created with this key) or permit-root-login: prohibit-password',
      );
    }
    const admin = await ctx.probeLogin(settings.adminUser!, 'operator', ['sudo', '-n', 'true']);
    if (!admin.ok)
      refuse(
        `admin user ${settings.adminUser} could not log in and sudo over a new connection (${admin.error})`,
        'run the admin-user step first',
      );
    ctx.logger.info(
      `${ctx.target.label}: lock-out guard: admin ${settings.adminUser} logged in and ran sudo -n over a new connection`,
    );
  }
}

// sshd re-executes itself on SIGHUP and listens again a moment later; `systemctl reload`
// returns before that. Connections in the gap are dropped ("connection lost before handshake").
const WAIT_LISTEN =
  'sleep 1; p=$(printf "%04X" "$1"); for i in $(seq 1 100); do awk -v p=":$p" \'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }\' /proc/net/tcp /proc/net/tcp6 2>/dev/null && exit 0; sleep 0.1; done; exit 1';

async function reloadSshd(ctx: StepContext): Promise<void> {
  await ctx.target.run(['systemctl', 'reload-or-restart', 'ssh']);
  const port = (await effective(ctx)).get('port') ?? '22';
  await ctx.target.run(['sh', '-c', WAIT_LISTEN, 'sh', port], { allowFailure: true, timeoutMs: 30_000 });
}

async function restore(ctx: StepContext, previous: string | undefined): Promise<void> {
  if (previous === undefined) await ctx.target.run(['rm', '-f', SSHD_DROPIN]);
  else await ctx.target.writeFile(SSHD_DROPIN, previous, '0644');
}

export const sshdStep: Step = {
  id: 'sshd',
  title: 'sshd hardening (keys only, no root password login) behind the lock-out guard',
  async check(ctx) {
    const changes: string[] = [];
    if ((await ctx.target.readFile(SSHD_DROPIN)) !== sshdDropIn(ctx.settings))
      changes.push(`write ${SSHD_DROPIN}`);
    changes.push(...sshdDifferences(await effective(ctx), wantedSshd(ctx.settings)).map((d) => `sshd: ${d}`));
    return changes;
  },
  async apply(ctx) {
    await lockoutGuard(ctx);
    const previous = await ctx.target.readFile(SSHD_DROPIN);
    await ctx.target.run(['install', '-d', '-m', '0755', '/etc/ssh/sshd_config.d']);
    await ctx.target.writeFile(SSHD_DROPIN, sshdDropIn(ctx.settings), '0644');
    const test = await ctx.target.run(['sshd', '-t'], { allowFailure: true });
    const left = test.code === 0 ? sshdDifferences(await effective(ctx), wantedSshd(ctx.settings)) : [];
    if (test.code !== 0 || left.length > 0) {
      await restore(ctx, previous);
      throw new UserError(
        ctx.target.label,
        test.code !== 0
          ? `sshd -t rejected the hardened config: ${test.stderr.trim()}`
          : `the drop-in did not take effect (${left.join('; ')})`,
        'check that /etc/ssh/sshd_config starts with `Include /etc/ssh/sshd_config.d/*.conf` and has no Match block overriding these settings',
      );
    }
    await reloadSshd(ctx);
    // Prove it again after the reload; undo if the deploy user cannot get in any more.
    const after = await ctx.probeLogin(ctx.settings.deployUser, 'deploy', ['true'], 2);
    if (!after.ok) {
      await restore(ctx, previous);
      await reloadSshd(ctx);
      throw new UserError(
        ctx.target.label,
        `after hardening, ${ctx.settings.deployUser} could not log in (${after.error}); the previous sshd config was restored`,
        'report this with the sshd log',
      );
    }
  },
};
