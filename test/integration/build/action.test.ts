import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { LocalActionRunner } from '../../support/action-runner.js';
import { sandbox } from '../../support/sandbox.js';
import { registryDigest } from './registry.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const HEAD_SHA = 'feed00000000000000000000000000000000cafe';
const MERGE_SHA = 'abad1dea00000000000000000000000000000001';

/** A trimmed but real-shaped pull_request webhook payload. */
const pullRequestEvent = {
  action: 'synchronize',
  number: 17,
  pull_request: {
    number: 17,
    head: { ref: 'feature/rerank', sha: HEAD_SHA, repo: { full_name: 'acme/rag-app' } },
    base: { ref: 'main', sha: '1111111111111111111111111111111111111111' },
  },
  repository: {
    name: 'rag-app',
    full_name: 'acme/rag-app',
    html_url: 'https://github.com/acme/rag-app',
    description: 'Handbook answers with sources',
    default_branch: 'main',
    license: { spdx_id: 'Apache-2.0' },
  },
};

describe('actions/build-push bundle run as the GitHub runner runs it (node dist/index.js, INPUT_*, GITHUB_EVENT_PATH)', () => {
  test('pull_request event: pushes pr-N and PR-head sha tags, outputs the registry digest, image, tags, labels, metadata and a job summary', async () => {
    const sb = sandbox();
    const runner = new LocalActionRunner('build-push');
    const step = await runner.main({
      eventName: 'pull_request',
      event: pullRequestEvent,
      env: { GITHUB_REF: 'refs/pull/17/merge', GITHUB_SHA: MERGE_SHA, GITHUB_REPOSITORY: 'acme/rag-app' },
      inputs: {
        context: `${ROOT}test/fixtures/build-app`,
        'build-args': `NODE_IMAGE=${sb.images.node}`,
        registry: sb.registry.host,
        image: 'ragship-build/action-fixture',
        username: sb.registry.username,
        password: sb.registry.password,
        tags: 'ci-run',
      },
      timeoutMs: 240_000,
    });
    expect(step.exitCode, step.stdout + step.stderr).toBe(0);
    const { digest, image, tags, labels, metadata } = step.outputs;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(image).toBe(`localhost:5000/ragship-build/action-fixture@${digest}`);
    expect(tags!.split('\n')).toEqual(
      ['pr-17', 'sha-feed000', `sha-${HEAD_SHA}`, 'ci-run'].map(
        (t) => `localhost:5000/ragship-build/action-fixture:${t}`,
      ),
    );
    for (const t of ['pr-17', 'sha-feed000', `sha-${HEAD_SHA}`, 'ci-run']) {
      expect(await registryDigest('ragship-build/action-fixture', t), t).toBe(digest);
    }
    // Never latest from a PR, and the revision is the PR head, not the merge commit.
    expect(await registryDigest('ragship-build/action-fixture', 'latest')).not.toBe(digest);
    expect(labels).toContain(`org.opencontainers.image.revision=${HEAD_SHA}`);
    expect(labels).toContain('org.opencontainers.image.licenses=Apache-2.0');
    expect(labels).toContain('org.opencontainers.image.version=pr-17');
    expect(JSON.parse(metadata!)).toMatchObject({ builder: 'buildkit', digest, image });
    const imageLabels = JSON.parse(
      execFileSync('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', image!], {
        encoding: 'utf8',
      }),
    );
    expect(imageLabels['org.opencontainers.image.source']).toBe('https://github.com/acme/rag-app');
    // The default cache mode (gha) needs buildx: the built-in BuildKit warns and names it.
    expect(
      step.annotations.some(
        (a) =>
          a.level === 'warning' &&
          /built-in BuildKit \(DOCKER_BUILDKIT=1 docker build\), without cache backend "gha"/.test(a.message),
      ),
    ).toBe(true);
    expect(step.summary).toContain(digest!);
    expect(step.summary).toContain('pr-17');
    // The password is registered as a secret (masked by the runner) and never printed.
    expect(step.stdout).toContain(`::add-mask::${sb.registry.password}`);
    expect(step.stdout.replaceAll(`::add-mask::${sb.registry.password}`, '')).not.toContain(
      sb.registry.password,
    );
  });

  test('an invalid image name fails the step with a clear message before docker runs', async () => {
    const runner = new LocalActionRunner('build-push');
    const step = await runner.main({
      inputs: { image: 'Acme/App;id', push: 'false' },
      env: { GITHUB_REF: 'refs/heads/main', GITHUB_SHA: MERGE_SHA },
    });
    expect(step.exitCode).not.toBe(0);
    expect(step.stdout).toMatch(/::error::image: "Acme\/App;id" is not an image repository/);
  });
});
