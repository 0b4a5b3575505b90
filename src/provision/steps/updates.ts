import type { Step } from '../step.js';
import { installed, unitState } from './packages.js';

export const AUTO_UPGRADES = '/etc/apt/apt.conf.d/20auto-upgrades';

/**
 * The periodic switches (what `dpkg-reconfigure unattended-upgrades` writes). Which origins are
 * upgraded stays with the distribution's 50unattended-upgrades, whose default is the security
 * pocket on both Debian and Ubuntu.
 */
export const AUTO_UPGRADES_TEXT = [
  '// Managed by ragship provision: daily security upgrades',
  'APT::Periodic::Update-Package-Lists "1";',
  'APT::Periodic::Unattended-Upgrade "1";',
  'APT::Periodic::AutocleanInterval "7";',
  '',
].join('\n');

const TIMERS = ['apt-daily.timer', 'apt-daily-upgrade.timer'];

export const unattendedUpgradesStep: Step = {
  id: 'unattended-upgrades',
  title: 'Unattended security upgrades',
  async check(ctx) {
    const changes: string[] = [];
    if ((await ctx.target.readFile(AUTO_UPGRADES)) !== AUTO_UPGRADES_TEXT)
      changes.push(`write ${AUTO_UPGRADES} (daily lists + unattended-upgrade)`);
    for (const timer of TIMERS) {
      const { enabled } = await unitState(ctx.target, timer);
      if (enabled !== 'enabled') changes.push(`enable ${timer} (is ${enabled})`);
    }
    return changes;
  },
  async apply(ctx) {
    await ctx.target.writeFile(AUTO_UPGRADES, AUTO_UPGRADES_TEXT);
    await ctx.target.run(['systemctl', 'enable', '--now', ...TIMERS]);
  },
};

const OTHER_TIME_DAEMONS = ['chrony', 'ntp', 'ntpsec', 'openntpd'];

export const timeSyncStep: Step = {
  id: 'time-sync',
  title: 'Time synchronisation',
  async check(ctx) {
    const other = [...(await installed(ctx.target, OTHER_TIME_DAEMONS))];
    if (other.length > 0) {
      ctx.logger.info(`${ctx.target.label}: time is synchronised by ${other.join(', ')}; left as is`);
      return [];
    }
    const { enabled } = await unitState(ctx.target, 'systemd-timesyncd');
    return enabled === 'enabled' ? [] : [`enable systemd-timesyncd (is ${enabled})`];
  },
  async apply(ctx) {
    // In a container the unit's ConditionVirtualization=!container keeps it from running; enabling is still correct.
    await ctx.target.run(['systemctl', 'enable', '--now', 'systemd-timesyncd']);
  },
};
