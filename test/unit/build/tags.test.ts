import { describe, expect, test } from 'vitest';
import { type GitContext, gitContextFromActions } from '../../../src/build/git-context.js';
import {
  computeLabels,
  computeTags,
  parseKeyValues,
  parseSemver,
  sanitizeTag,
} from '../../../src/build/tags.js';
import { ConfigError } from '../../../src/core/errors.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const HEAD = 'fedcba9876543210fedcba9876543210fedcba98';
const base = { sha: SHA, defaultBranch: 'main' };

describe('computeTags follows metadata-action conventions per event', () => {
  test.each<[string, GitContext, string[]]>([
    [
      'push to the default branch: branch, latest, sha-7, sha-40',
      { ...base, eventName: 'push', ref: 'refs/heads/main' },
      ['main', 'latest', 'sha-0123456', `sha-${SHA}`],
    ],
    [
      'push to another branch: no latest; slash becomes -',
      { ...base, eventName: 'push', ref: 'refs/heads/feature/retriever-v2' },
      ['feature-retriever-v2', 'sha-0123456', `sha-${SHA}`],
    ],
    [
      'tag v1.2.3: 1.2.3, 1.2, 1 and no latest',
      { ...base, eventName: 'push', ref: 'refs/tags/v1.2.3' },
      ['1.2.3', '1.2', '1', 'sha-0123456', `sha-${SHA}`],
    ],
    [
      'pre-release tag: only the full version',
      { ...base, eventName: 'push', ref: 'refs/tags/v2.0.0-rc.1' },
      ['2.0.0-rc.1', 'sha-0123456', `sha-${SHA}`],
    ],
    [
      '0.x tag: no moving "0" tag',
      { ...base, eventName: 'push', ref: 'refs/tags/v0.4.1' },
      ['0.4.1', '0.4', 'sha-0123456', `sha-${SHA}`],
    ],
    [
      'non-semver tag: the tag name',
      { ...base, eventName: 'push', ref: 'refs/tags/release-2026' },
      ['release-2026', 'sha-0123456', `sha-${SHA}`],
    ],
    [
      'pull request: pr-N and the PR head sha (metadata-action#206), never latest',
      { ...base, eventName: 'pull_request', ref: 'refs/pull/42/merge', prNumber: 42, prHeadSha: HEAD },
      ['pr-42', 'sha-fedcba9', `sha-${HEAD}`],
    ],
    [
      'pull request without number in payload: from the ref',
      { ...base, eventName: 'pull_request', ref: 'refs/pull/7/merge', prHeadSha: HEAD },
      ['pr-7', 'sha-fedcba9', `sha-${HEAD}`],
    ],
    [
      'schedule on the default branch: nightly, not latest',
      { ...base, eventName: 'schedule', ref: 'refs/heads/main' },
      ['nightly', 'sha-0123456', `sha-${SHA}`],
    ],
    [
      'workflow_dispatch on the default branch: like a push',
      { ...base, eventName: 'workflow_dispatch', ref: 'refs/heads/main' },
      ['main', 'latest', 'sha-0123456', `sha-${SHA}`],
    ],
  ])('%s', (_name, ctx, expected) => {
    expect(computeTags(ctx)).toEqual(expected);
  });

  test('extra raw tags are appended once', () => {
    expect(
      computeTags({ ...base, eventName: 'push', ref: 'refs/heads/dev' }, { extra: ['stable', 'dev'] }),
    ).toEqual(['dev', 'sha-0123456', `sha-${SHA}`, 'stable']);
  });

  test.each(['v1;rm -rf /', '$(id)', 'a b', '-leading-dash', 'x'.repeat(129), 'tag\n', '`whoami`'])(
    'injection or invalid extra tag %j is refused',
    (tag) => {
      expect(() =>
        computeTags({ ...base, eventName: 'push', ref: 'refs/heads/main' }, { extra: [tag] }),
      ).toThrow(ConfigError);
    },
  );

  test('a sha that is not hex is refused before anything runs', () => {
    expect(() => computeTags({ eventName: 'push', ref: 'refs/heads/main', sha: 'HEAD;id' })).toThrow(
      /git sha/,
    );
  });

  test('no tag at all (detached ref, no sha) is a clear error', () => {
    expect(() => computeTags({ eventName: 'push', ref: '', sha: '' })).toThrow(/no tag could be computed/);
  });
});

describe('tag helpers', () => {
  test.each([
    ['v1.2.3', '1.2.3'],
    ['1.2.3+build.5', '1.2.3'],
    ['v1.2', undefined],
    ['v01.2.3', undefined],
  ])('parseSemver(%j) → %j', (text, version) => {
    expect(parseSemver(text)?.version).toBe(version);
  });

  test.each([
    ['feature/x', 'feature-x'],
    ['.hidden', 'hidden'],
    ['dependabot/npm_and_yarn/zod-4', 'dependabot-npm_and_yarn-zod-4'],
  ])('sanitizeTag(%j) → %j', (ref, tag) => {
    expect(sanitizeTag(ref)).toBe(tag);
  });

  test('a malformed secret line is reported by number, never echoed', () => {
    expect(() => parseKeyValues(['hunter2-no-equals'], 'secrets', { secret: true })).toThrow(
      /secrets\[0\]: line 1 is not KEY=value/,
    );
    try {
      parseKeyValues(['hunter2-no-equals'], 'secrets', { secret: true });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

describe('computeLabels fills org.opencontainers.image.*', () => {
  test('from a pull request payload: revision is the PR head, version pr-N', () => {
    const ctx = gitContextFromActions(
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/9/merge', GITHUB_SHA: SHA },
      {
        number: 9,
        pull_request: { number: 9, head: { sha: HEAD } },
        repository: {
          name: 'rag-app',
          full_name: 'acme/rag-app',
          description: 'Handbook Q&A',
          html_url: 'https://github.com/acme/rag-app',
          default_branch: 'main',
          license: { spdx_id: 'MIT' },
        },
      },
    );
    const tags = computeTags(ctx);
    expect(
      computeLabels(ctx, tags, {
        created: '2026-11-27T14:00:00.000Z',
        extra: { 'com.example.team': 'search' },
      }),
    ).toEqual({
      'org.opencontainers.image.title': 'rag-app',
      'org.opencontainers.image.description': 'Handbook Q&A',
      'org.opencontainers.image.url': 'https://github.com/acme/rag-app',
      'org.opencontainers.image.source': 'https://github.com/acme/rag-app',
      'org.opencontainers.image.version': 'pr-9',
      'org.opencontainers.image.created': '2026-11-27T14:00:00.000Z',
      'org.opencontainers.image.revision': HEAD,
      'org.opencontainers.image.licenses': 'MIT',
      'com.example.team': 'search',
    });
  });

  test('without a payload: title from the image name, no empty labels, NOASSERTION license dropped', () => {
    const ctx: GitContext = {
      eventName: 'push',
      ref: 'refs/tags/v3.1.0',
      sha: SHA,
      repository: { license: 'NOASSERTION' },
    };
    const labels = computeLabels(ctx, computeTags(ctx), { title: 'app', created: 'T' });
    expect(labels).toEqual({
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.version': '3.1.0',
      'org.opencontainers.image.created': 'T',
      'org.opencontainers.image.revision': SHA,
    });
  });
});

describe('gitContextFromActions reads the runner environment and payload', () => {
  test.each<[string, Record<string, string>, unknown, Partial<GitContext>]>([
    [
      'push',
      { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: SHA },
      { repository: { default_branch: 'trunk' } },
      { eventName: 'push', prHeadSha: undefined, defaultBranch: 'trunk' },
    ],
    [
      'pull_request: head sha and number',
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/3/merge', GITHUB_SHA: SHA },
      { number: 3, pull_request: { head: { sha: HEAD } } },
      { prHeadSha: HEAD, prNumber: 3 },
    ],
    [
      'schedule: empty payload is fine',
      { GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: SHA },
      {},
      { eventName: 'schedule', defaultBranch: undefined },
    ],
    [
      'repository url from GITHUB_SERVER_URL when the payload has none',
      {
        GITHUB_EVENT_NAME: 'push',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_SHA: SHA,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/app',
      },
      null,
      {
        repository: {
          fullName: 'acme/app',
          name: 'app',
          htmlUrl: 'https://github.com/acme/app',
          description: undefined,
          license: undefined,
        },
      },
    ],
  ])('%s', (_name, env, payload, expected) => {
    expect(gitContextFromActions(env, payload)).toMatchObject(expected);
  });
});
