import type { Argv } from '../../core/shell.js';
import type { ProvisionSettings } from '../settings.js';
import type { Step, StepContext } from '../step.js';
import { unitState } from './packages.js';

export interface UfwRule {
  action: 'allow' | 'limit';
  port: string;
}

/** The rules the host should have: SSH first (allowed or rate-limited), then 80/443, then extras. */
export function wantedUfwRules(settings: ProvisionSettings, sshPort: number): UfwRule[] {
  const rules: UfwRule[] = [{ action: settings.sshRateLimit ? 'limit' : 'allow', port: `${sshPort}/tcp` }];
  if (settings.openHttp)
    rules.push({ action: 'allow', port: '80/tcp' }, { action: 'allow', port: '443/tcp' });
  for (const p of settings.allowPorts) rules.push({ action: 'allow', port: p });
  return rules;
}

/** Parses `ufw show added` ("ufw limit 22/tcp", "ufw allow 80/tcp"): rules exist even while ufw is inactive. */
export function parseUfwAdded(text: string): UfwRule[] {
  const rules: UfwRule[] = [];
  for (const line of text.split('\n')) {
    const m = /^ufw (allow|limit) ([0-9]+(?::[0-9]+)?\/(?:tcp|udp))$/.exec(line.trim());
    if (m) rules.push({ action: m[1] as UfwRule['action'], port: m[2]! });
  }
  return rules;
}

export interface UfwStatus {
  active: boolean;
  incoming?: string;
  outgoing?: string;
}

/** `ufw status verbose`: "Status: active" and "Default: deny (incoming), allow (outgoing), …". */
export function parseUfwStatus(text: string): UfwStatus {
  const active = /^Status: active$/m.test(text);
  const d = /^Default: (\w+) \(incoming\), (\w+) \(outgoing\)/m.exec(text);
  return { active, incoming: d?.[1], outgoing: d?.[2] };
}

/** ufw commands for the differences; SSH is allowed before the firewall is ever enabled. */
export function ufwPlan(
  have: UfwRule[],
  status: UfwStatus,
  want: UfwRule[],
): { commands: Argv[]; changes: string[]; extra: UfwRule[] } {
  const commands: Argv[] = [];
  const changes: string[] = [];
  const key = (r: UfwRule) => `${r.action} ${r.port}`;
  const haveKeys = new Set(have.map(key));
  for (const r of want) {
    if (haveKeys.has(key(r))) continue;
    const other = have.find((h) => h.port === r.port && h.action !== r.action);
    if (other) {
      commands.push(['ufw', 'delete', other.action, other.port]);
      changes.push(`ufw: ${other.action} → ${r.action} ${r.port}`);
    } else changes.push(`ufw: ${r.action} ${r.port}`);
    commands.push(['ufw', r.action, r.port]);
  }
  if (status.incoming !== 'deny') {
    commands.push(['ufw', 'default', 'deny', 'incoming']);
    changes.push(`ufw: default deny incoming (is ${status.incoming ?? 'unknown'})`);
  }
  if (status.outgoing !== 'allow') {
    commands.push(['ufw', 'default', 'allow', 'outgoing']);
    changes.push(`ufw: default allow outgoing (is ${status.outgoing ?? 'unknown'})`);
  }
  if (!status.active) {
    commands.push(['ufw', '--force', 'enable']);
    changes.push('ufw: enable');
  }
  const wantPorts = new Set(want.map((r) => r.port));
  const extra = have.filter((h) => !wantPorts.has(h.port));
  return { commands, changes, extra };
}

/** The port sshd listens on (from its effective config), which the firewall must keep open. */
export async function sshdPort(ctx: StepContext): Promise<number> {
  const r = await ctx.target.run(['sshd', '-T'], { allowFailure: true });
  const m = /^port ([0-9]+)$/m.exec(r.stdout);
  return m ? Number(m[1]) : 22;
}

async function ufwState(ctx: StepContext) {
  if (!(await ctx.target.ok(['sh', '-c', 'command -v ufw >/dev/null']))) return undefined;
  const added = await ctx.target.out(['ufw', 'show', 'added']);
  const status = await ctx.target.out(['ufw', 'status', 'verbose']);
  return { have: parseUfwAdded(added), status: parseUfwStatus(status) };
}

export const firewallStep: Step = {
  id: 'firewall',
  title: 'Firewall (ufw): SSH, 80/443, default deny incoming',
  async check(ctx) {
    const want = wantedUfwRules(ctx.settings, await sshdPort(ctx));
    const state = await ufwState(ctx);
    if (!state) return ['ufw is not installed yet', ...ufwPlan([], { active: false }, want).changes];
    const plan = ufwPlan(state.have, state.status, want);
    for (const r of plan.extra)
      ctx.logger.warn(
        `${ctx.target.label}: ufw also allows ${r.port} (${r.action}); ragship leaves rules it did not ask for — remove it with \`ufw delete ${r.action} ${r.port}\` if unwanted`,
      );
    return plan.changes;
  },
  async apply(ctx) {
    const want = wantedUfwRules(ctx.settings, await sshdPort(ctx));
    const state = await ufwState(ctx);
    const plan = ufwPlan(state?.have ?? [], state?.status ?? { active: false }, want);
    for (const cmd of plan.commands) await ctx.target.run(cmd);
  },
};

export const FAIL2BAN_JAIL = '/etc/fail2ban/jail.d/ragship-sshd.local';

/** The sshd jail reads the systemd journal: Debian 12 has no /var/log/auth.log unless rsyslog is installed. */
export function fail2banJail(sshPort: number): string {
  return [
    '# Managed by ragship provision',
    '[sshd]',
    'enabled = true',
    'backend = systemd',
    `port = ${sshPort}`,
    'maxretry = 5',
    'findtime = 10m',
    'bantime = 1h',
    '',
  ].join('\n');
}

export const fail2banStep: Step = {
  id: 'fail2ban',
  title: 'fail2ban sshd jail',
  async check(ctx) {
    const changes: string[] = [];
    const want = fail2banJail(await sshdPort(ctx));
    if ((await ctx.target.readFile(FAIL2BAN_JAIL)) !== want)
      changes.push(`write ${FAIL2BAN_JAIL} (sshd jail, journal backend)`);
    const { enabled, active } = await unitState(ctx.target, 'fail2ban');
    if (enabled !== 'enabled') changes.push(`enable fail2ban (is ${enabled})`);
    if (active !== 'active') changes.push(`start fail2ban (is ${active})`);
    else if (changes.length === 0 && !(await ctx.target.ok(['fail2ban-client', 'status', 'sshd'])))
      changes.push('reload fail2ban (the sshd jail is not running)');
    return changes;
  },
  async apply(ctx, changes) {
    const want = fail2banJail(await sshdPort(ctx));
    const wrote = (await ctx.target.readFile(FAIL2BAN_JAIL)) !== want;
    if (wrote) await ctx.target.writeFile(FAIL2BAN_JAIL, want);
    await ctx.target.run(['systemctl', 'enable', 'fail2ban']);
    if (wrote || changes.some((c) => c.startsWith('reload')))
      await ctx.target.run(['systemctl', 'restart', 'fail2ban']);
    else await ctx.target.run(['systemctl', 'start', 'fail2ban']);
    // fail2ban answers on its socket a moment after systemd reports it started.
    await ctx.target.run(
      [
        'sh',
        '-c',
        'for i in $(seq 1 50); do fail2ban-client status sshd >/dev/null 2>&1 && exit 0; sleep 0.2; done; fail2ban-client status sshd',
      ],
      {
        where: `${ctx.target.label} fail2ban sshd jail`,
      },
    );
  },
};
