import { UserError } from '../../core/errors.js';
import type { Step } from '../step.js';

export const DAEMON_JSON = '/etc/docker/daemon.json';
export const JOURNALD_DROPIN = '/etc/systemd/journald.conf.d/60-ragship.conf';

type Json = Record<string, unknown>;

/**
 * daemon.json with our log settings merged in; every other key (runtimes from the NVIDIA
 * toolkit, registry mirrors…) is kept. Returns the new text, or undefined when nothing changes.
 */
export function mergeDaemonJson(
  current: string | undefined,
  maxSize: string,
  maxFile: number,
): { text?: string; changes: string[] } {
  let doc: Json = {};
  if (current?.trim()) {
    try {
      doc = JSON.parse(current) as Json;
    } catch (err) {
      throw new UserError(
        DAEMON_JSON,
        `is not valid JSON (${(err as Error).message})`,
        'fix or remove the file; Docker would not start with it either',
      );
    }
  }
  const changes: string[] = [];
  const opts = { ...((doc['log-opts'] as Json | undefined) ?? {}) };
  if (doc['log-driver'] !== undefined && doc['log-driver'] !== 'json-file' && doc['log-driver'] !== 'local') {
    // journald/syslog drivers rotate elsewhere; leave the operator's choice alone.
    return { changes: [] };
  }
  if (doc['log-driver'] === undefined) {
    doc['log-driver'] = 'json-file';
    changes.push('log-driver json-file');
  }
  if (opts['max-size'] !== maxSize)
    changes.push(`log-opts.max-size ${String(opts['max-size'] ?? 'unset')} → ${maxSize}`);
  if (opts['max-file'] !== String(maxFile))
    changes.push(`log-opts.max-file ${String(opts['max-file'] ?? 'unset')} → ${maxFile}`);
  if (changes.length === 0) return { changes };
  doc['log-opts'] = { ...opts, 'max-size': maxSize, 'max-file': String(maxFile) };
  return { text: `${JSON.stringify(doc, null, 2)}\n`, changes };
}

export const dockerLogsStep: Step = {
  id: 'docker-logs',
  title: 'Docker log rotation (daemon.json log-opts)',
  async check(ctx) {
    const current = await ctx.target.readFile(DAEMON_JSON);
    return mergeDaemonJson(current, ctx.settings.dockerLogMaxSize, ctx.settings.dockerLogMaxFile).changes.map(
      (c) => `${DAEMON_JSON}: ${c}`,
    );
  },
  async apply(ctx) {
    const current = await ctx.target.readFile(DAEMON_JSON);
    const { text } = mergeDaemonJson(current, ctx.settings.dockerLogMaxSize, ctx.settings.dockerLogMaxFile);
    if (!text) return;
    await ctx.target.run(['install', '-d', '-m', '0755', '/etc/docker']);
    await ctx.target.writeFile(DAEMON_JSON, text, '0644');
    // New log options apply to containers created afterwards; running ones keep theirs.
    const active = await ctx.target.ok(['systemctl', 'is-active', '--quiet', 'docker']);
    if (active) await ctx.target.run(['systemctl', 'restart', 'docker'], { timeoutMs: 180_000 });
  },
};

export function journaldDropIn(maxUse: string, retentionDays: number): string {
  return [
    '# Managed by ragship provision',
    '[Journal]',
    'Storage=persistent',
    `SystemMaxUse=${maxUse}`,
    `MaxRetentionSec=${retentionDays}day`,
    '',
  ].join('\n');
}

export const journaldStep: Step = {
  id: 'journald',
  title: 'journald retention (size and age)',
  async check(ctx) {
    const want = journaldDropIn(ctx.settings.journalMaxUse, ctx.settings.journalRetentionDays);
    const have = await ctx.target.readFile(JOURNALD_DROPIN);
    return have === want
      ? []
      : [
          `${have === undefined ? 'write' : 'update'} ${JOURNALD_DROPIN} (SystemMaxUse=${ctx.settings.journalMaxUse}, MaxRetentionSec=${ctx.settings.journalRetentionDays}day)`,
        ];
  },
  async apply(ctx) {
    await ctx.target.run(['install', '-d', '-m', '0755', '/etc/systemd/journald.conf.d', '/var/log/journal']);
    await ctx.target.writeFile(
      JOURNALD_DROPIN,
      journaldDropIn(ctx.settings.journalMaxUse, ctx.settings.journalRetentionDays),
    );
    await ctx.target.run(['systemctl', 'restart', 'systemd-journald']);
  },
};
