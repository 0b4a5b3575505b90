import { UserError } from '../../core/errors.js';
import { parsePublicKey } from '../settings.js';
import type { Step, StepContext } from '../step.js';
import type { Target } from '../target.js';
import { aptInstall, aptUpdate, installed } from './packages.js';

const KEY_TYPE = /^(ssh-|ecdsa-|sk-)/;

/** The blob of an authorized_keys line (options, if any, come before the key type). */
function blobOf(line: string): string | undefined {
  const tokens = line.trim().split(/\s+/);
  const i = tokens.findIndex((t) => KEY_TYPE.test(t));
  return i >= 0 ? tokens[i + 1] : undefined;
}

/**
 * authorized_keys with our keys present exactly once, with our options; lines for other keys
 * (added by people) are kept as they are.
 */
export function mergeAuthorizedKeys(current: string | undefined, keys: string[], options: string): string {
  const wanted = keys.map((k, i) => {
    const { type, blob, comment } = parsePublicKey(k, `deploy key ${i}`);
    return { blob, line: [options, type, blob, comment || 'ragship-deploy'].filter(Boolean).join(' ') };
  });
  const byBlob = new Map(wanted.map((w) => [w.blob, w.line]));
  const out: string[] = [];
  const placed = new Set<string>();
  for (const line of (current ?? '').split('\n')) {
    if (line.trim() === '') continue;
    const blob = blobOf(line);
    if (blob && byBlob.has(blob)) {
      if (!placed.has(blob)) out.push(byBlob.get(blob)!);
      placed.add(blob);
    } else out.push(line);
  }
  for (const w of wanted) if (!placed.has(w.blob)) out.push(w.line);
  return `${out.join('\n')}\n`;
}

interface Account {
  home: string;
  shell: string;
  groups: string[];
  locked: boolean;
}

async function account(t: Target, user: string): Promise<Account | undefined> {
  const pw = await t.run(['getent', 'passwd', user], { allowFailure: true });
  if (pw.code !== 0) return undefined;
  const f = pw.stdout.trim().split(':');
  const groups = (await t.out(['id', '-nG', user])).split(/\s+/);
  const shadow = await t.run(['getent', 'shadow', user], { allowFailure: true });
  const locked = (shadow.stdout.split(':')[1] ?? '').startsWith('!');
  return { home: f[5] ?? `/home/${user}`, shell: f[6] ?? '', groups, locked };
}

async function modes(t: Target, paths: string[]): Promise<Map<string, string>> {
  const r = await t.run(['stat', '-c', '%n %a %U:%G', ...paths], { allowFailure: true });
  const m = new Map<string, string>();
  for (const line of r.stdout.trim().split('\n')) {
    const at = line.lastIndexOf(' ', line.lastIndexOf(' ') - 1);
    if (at > 0) m.set(line.slice(0, at), line.slice(at + 1));
  }
  return m;
}

/** Differences for a login user with keys: account, groups, password lock, ~/.ssh modes, keys. */
async function loginUserChanges(
  t: Target,
  user: string,
  group: string | undefined,
  keys: string[],
  options: string,
): Promise<string[]> {
  const acct = await account(t, user);
  if (!acct)
    return [
      `create user ${user}${group ? ` in group ${group}` : ''}`,
      `install ${keys.length} key(s) in ~${user}/.ssh/authorized_keys`,
    ];
  const changes: string[] = [];
  if (group && !acct.groups.includes(group)) changes.push(`add ${user} to group ${group}`);
  if (acct.locked) changes.push(`unlock ${user} for key logins (password field ! → *: still no password)`);
  const ssh = `${acct.home}/.ssh`;
  const file = `${ssh}/authorized_keys`;
  const have = await t.readFile(file);
  if (have !== mergeAuthorizedKeys(have, keys, options))
    changes.push(
      `${have === undefined ? 'write' : 'update'} ${file} (${keys.length} key(s), options: ${options || 'none'})`,
    );
  const m = await modes(t, [ssh, file]);
  if (m.get(ssh) !== `700 ${user}:${user}` && m.has(ssh))
    changes.push(`fix ${ssh} to 700 ${user}:${user} (is ${m.get(ssh)})`);
  if (have !== undefined && m.get(file) !== `600 ${user}:${user}`)
    changes.push(`fix ${file} to 600 ${user}:${user} (is ${m.get(file)})`);
  return changes;
}

async function applyLoginUser(
  t: Target,
  user: string,
  group: string | undefined,
  keys: string[],
  options: string,
): Promise<void> {
  if (group && !(await t.ok(['getent', 'group', group]))) await t.run(['groupadd', '--system', group]);
  if (!(await account(t, user))) {
    await t.run([
      'useradd',
      '--create-home',
      '--shell',
      '/bin/bash',
      '--user-group',
      ...(group ? ['--groups', group] : []),
      user,
    ]);
  }
  const acct = (await account(t, user))!;
  if (group && !acct.groups.includes(group)) await t.run(['usermod', '--append', '--groups', group, user]);
  // '*' = no valid password but not locked: sshd (UsePAM no) refuses locked accounts even for keys.
  if (acct.locked) await t.run(['usermod', '--password', '*', user]);
  const ssh = `${acct.home}/.ssh`;
  await t.run(['install', '-d', '-m', '0700', '-o', user, '-g', user, ssh]);
  await t.run(['chown', `${user}:${user}`, ssh]);
  await t.run(['chmod', '0700', ssh]);
  const file = `${ssh}/authorized_keys`;
  const have = await t.readFile(file);
  await t.writeFile(file, mergeAuthorizedKeys(have, keys, options), '0600', `${user}:${user}`);
}

export const deployUserStep: Step = {
  id: 'deploy-user',
  title: 'Deploy user (docker group, deploy key with restricted options)',
  check: (ctx) =>
    loginUserChanges(
      ctx.target,
      ctx.settings.deployUser,
      'docker',
      ctx.settings.deployPublicKeys,
      ctx.settings.deployKeyOptions,
    ),
  apply: (ctx) =>
    applyLoginUser(
      ctx.target,
      ctx.settings.deployUser,
      'docker',
      ctx.settings.deployPublicKeys,
      ctx.settings.deployKeyOptions,
    ),
};

export const deployRootStep: Step = {
  id: 'deploy-root',
  title: 'Deploy root owned by the deploy user',
  async check(ctx) {
    const { deployRoot: root, deployUser: user } = ctx.settings;
    const m = await modes(ctx.target, [root]);
    const want = `750 ${user}:${user}`;
    if (!m.has(root)) return [`create ${root} (${want})`];
    return m.get(root) === want ? [] : [`fix ${root} to ${want} (is ${m.get(root)})`];
  },
  async apply(ctx) {
    const { deployRoot: root, deployUser: user } = ctx.settings;
    if (!(await ctx.target.ok(['getent', 'passwd', user]))) {
      throw new UserError(
        ctx.target.label,
        `deploy user ${user} does not exist`,
        'run the deploy-user step too',
      );
    }
    await ctx.target.run(['install', '-d', '-m', '0750', '-o', user, '-g', user, root]);
    await ctx.target.run(['chown', `${user}:${user}`, root]);
    await ctx.target.run(['chmod', '0750', root]);
  },
};

export function sudoersFile(user: string): { path: string; text: string } {
  return {
    path: `/etc/sudoers.d/90-ragship-${user}`,
    text: `# Managed by ragship provision: the admin user that later provisioning runs log in as.\n${user} ALL=(ALL:ALL) NOPASSWD:ALL\n`,
  };
}

function adminOf(ctx: StepContext): { user: string; key: string } {
  const { adminUser, adminPublicKey } = ctx.settings;
  if (!adminUser || !adminPublicKey) throw new Error('admin-user step without an admin user');
  return { user: adminUser, key: adminPublicKey };
}

export const adminUserStep: Step = {
  id: 'admin-user',
  title: 'Admin user (passwordless sudo, the provisioning key) for runs after root login is off',
  async check(ctx) {
    const { user, key } = adminOf(ctx);
    const changes = await loginUserChanges(ctx.target, user, undefined, [key], '');
    if (!(await installed(ctx.target, ['sudo'])).has('sudo')) changes.push('install sudo');
    const s = sudoersFile(user);
    if ((await ctx.target.readFile(s.path)) !== s.text) changes.push(`write ${s.path} (NOPASSWD sudo)`);
    return changes;
  },
  async apply(ctx) {
    const { user, key } = adminOf(ctx);
    if (!(await installed(ctx.target, ['sudo'])).has('sudo')) {
      await ctx.target.run(aptUpdate(), { timeoutMs: 900_000 });
      await ctx.target.run(aptInstall(['sudo']), { timeoutMs: 900_000 });
    }
    await applyLoginUser(ctx.target, user, undefined, [key], '');
    const s = sudoersFile(user);
    const tmp = `${s.path}.ragship-new`;
    await ctx.target.writeFile(tmp, s.text, '0440');
    // A broken sudoers file would take sudo away from everyone: validate before it goes live.
    const check = await ctx.target.run(['visudo', '-c', '-q', '-f', tmp], { allowFailure: true });
    if (check.code !== 0) {
      await ctx.target.run(['rm', '-f', tmp]);
      throw new UserError(
        ctx.target.label,
        `visudo rejected ${s.path}: ${check.stderr.trim() || check.stdout.trim()}`,
        'report this as a ragship bug',
      );
    }
    await ctx.target.run(['mv', '-f', tmp, s.path]);
  },
};
