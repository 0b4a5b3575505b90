import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { localActor, runIdentity } from '../../../src/deploy/action-support.js';

describe('who made a release', () => {
  it('in Actions: GITHUB_ACTOR', () => {
    expect(runIdentity({ GITHUB_ACTOR: 'octocat', GITHUB_RUN_ID: '7' }).actor).toBe('octocat');
  });

  it("from the CLI: git's user.name, else the OS user — not `unknown`", () => {
    let gitName = '';
    try {
      gitName = execFileSync('git', ['config', 'user.name'], { encoding: 'utf8' }).trim();
    } catch {
      // not configured here
    }
    const actor = runIdentity({}).actor;
    expect(actor).toBe(gitName || userInfo().username);
    expect(actor).not.toBe('unknown');
    expect(localActor({})).toBe(actor);
  });
});
