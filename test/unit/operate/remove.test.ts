import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/core/errors.js';
import { commandLine } from '../../../src/core/shell.js';
import { activeRelease, type ReleaseRecord, resolveTarget } from '../../../src/deploy/release-log.js';
import { composeDown, removeRoleFolders } from '../../../src/operate/commands.js';
import { checkConfirmation } from '../../../src/operate/remove.js';

const target = {
  compose: ['docker-compose'],
  project: 'app-staging-web',
  projectDir: '/r/shared/web',
  files: ['/r/releases/1/web/compose.yaml', '/r/releases/1/web/env.yaml'],
  envFile: '/r/releases/1/web/compose.env',
};

const config = parseConfig(`
app: shop
environments:
  staging:
    roles:
      web:
        hosts: [deploy@10.0.0.5]
        compose: [compose.yaml]
        service: app
        strategy: recreate
        health: { http: /health }
`);

const rec = (id: string, o: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  id,
  kind: 'deploy',
  app: 'shop',
  environment: 'staging',
  image: `r/app@sha256:${id.padEnd(64, '0')}`,
  images: {},
  composeHash: id,
  envHash: id,
  actor: 'a',
  result: 'success',
  startedAt: '',
  finishedAt: '',
  timings: {},
  ...o,
});

describe('ragship remove', () => {
  it('compose down keeps volumes unless asked', () => {
    expect(composeDown(target, false).slice(-4)).toEqual(['down', '--remove-orphans', '--timeout', '30']);
    expect(composeDown(target, true).at(-1)).toBe('--volumes');
  });

  it('a role folder removal passes root and role as arguments, never inside the script', () => {
    expect(commandLine(removeRoleFolders('/r oot', 'web;x'))).toBe(
      `sh -c 'rm -rf -- "$1"/releases/*/"$2" "$1/shared/$2"' remove '/r oot' 'web;x'`,
    );
  });

  it.each([
    [undefined, /is required with --volumes/],
    ['staging', /does not match shop-staging/],
    ['shop-production', /does not match shop-staging/],
  ])('--volumes with --confirm %s is refused with a ConfigError naming --confirm', (confirm, problem) => {
    const call = () => checkConfirmation({ config, environment: 'staging', volumes: true, confirm });
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(problem);
    expect(call).toThrow(/^--confirm: /);
  });

  it('the typed confirmation app-environment lets --volumes through; no --volumes needs none', () => {
    expect(() =>
      checkConfirmation({ config, environment: 'staging', volumes: true, confirm: 'shop-staging' }),
    ).not.toThrow();
    expect(() => checkConfirmation({ config, environment: 'staging' })).not.toThrow();
  });

  it('after a whole-environment remove nothing is active and nothing earlier can be rolled back to; a role remove changes neither', () => {
    const gone = rec('3', { kind: 'remove', result: 'removed', image: '' });
    expect(activeRelease([rec('1'), rec('2'), gone])).toBeUndefined();
    expect(() => resolveTarget([rec('1'), rec('2'), gone], 'previous')).toThrow(/no successful release/);
    expect(activeRelease([rec('1'), gone, rec('4')])?.id).toBe('4');
    const role = rec('3', { kind: 'remove', result: 'removed', roles: ['llm'], image: '' });
    expect(activeRelease([rec('1'), rec('2'), role])?.id).toBe('2');
    expect(resolveTarget([rec('1'), rec('2'), role], 'previous').id).toBe('1');
  });
});
