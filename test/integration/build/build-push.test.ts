import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, test } from 'vitest';
import { BuildStepError, runBuildPush } from '../../../src/build/build-push.js';
import type { BuildPushInputs } from '../../../src/build/inputs.js';
import { ConfigError, UserError } from '../../../src/core/errors.js';
import { type Exec, execLocal } from '../../../src/core/exec.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { sandbox } from '../../support/sandbox.js';
import { registryDigest } from './registry.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const FIXTURE = `${ROOT}test/fixtures/build-app`;
const EXAMPLE_APP = `${ROOT}example-app`;
const SHA = '5eed0000c0ffee0000000000000000000000beef';

/** Records every argv (and stdin) the core runs, then runs it for real. */
function recordingExec(): { exec: Exec; calls: Array<{ argv: readonly string[]; input?: string }> } {
  const calls: Array<{ argv: readonly string[]; input?: string }> = [];
  return {
    calls,
    exec: (argv, options) => {
      calls.push({ argv, input: typeof options?.input === 'string' ? options.input : undefined });
      return execLocal(argv, options);
    },
  };
}

function inputs(over: Partial<BuildPushInputs>): BuildPushInputs {
  const sb = sandbox();
  return {
    context: FIXTURE,
    buildArgs: { NODE_IMAGE: sb.images.node },
    secrets: {},
    secretFiles: {},
    platforms: [],
    registry: sb.registry.host,
    image: 'ragship-build/fixture',
    username: sb.registry.username,
    password: sb.registry.password,
    push: true,
    cache: 'none',
    provenance: false,
    sbom: false,
    tags: [],
    labels: {},
    builder: 'auto',
    git: { eventName: 'push', ref: 'refs/heads/main', sha: SHA, defaultBranch: 'main' },
    tempDir: tmpdir(),
    ...over,
  };
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

beforeAll(() => {
  // The real parts, or a failing test: engine, registry with auth, local base image.
  const sb = sandbox();
  docker('image', 'inspect', sb.images.node);
  expect(
    execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${sb.registry.host}/v2/`], {
      encoding: 'utf8',
    }),
  ).toBe('401');
});

describe('build-push on the sandbox engine (built-in BuildKit, no buildx) and registry with htpasswd auth', () => {
  test('example-app multi-stage build is pushed; digest output equals the registry digest of every computed tag; OCI labels are in the image config', async () => {
    expect(existsSync(`${EXAMPLE_APP}/Dockerfile`), 'example-app/Dockerfile must exist').toBe(true);
    const logger = new MemoryLogger();
    const r = await runBuildPush(
      inputs({
        context: EXAMPLE_APP,
        image: 'ragship-build/example-app',
        tags: ['e2e'],
        git: {
          eventName: 'push',
          ref: 'refs/heads/main',
          sha: SHA,
          defaultBranch: 'main',
          repository: {
            name: 'ragship',
            htmlUrl: 'https://github.com/acme/ragship',
            description: 'RAG app',
            license: 'MIT',
          },
        },
      }),
      { exec: execLocal, logger },
    );
    // No buildx here: auto finds Debian's 20.10 client, whose built-in BuildKit reads cache mounts.
    expect(r.builder).toBe('buildkit');
    expect(r.tags).toEqual(['main', 'latest', 'sha-5eed000', `sha-${SHA}`, 'e2e']);
    expect(r.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.image).toBe(`localhost:5000/ragship-build/example-app@${r.digest}`);
    for (const tag of r.tags)
      expect(await registryDigest('ragship-build/example-app', tag), tag).toBe(r.digest);

    const config = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', r.imageId));
    expect(config).toMatchObject({
      'org.opencontainers.image.title': 'ragship',
      'org.opencontainers.image.description': 'RAG app',
      'org.opencontainers.image.url': 'https://github.com/acme/ragship',
      'org.opencontainers.image.source': 'https://github.com/acme/ragship',
      'org.opencontainers.image.version': 'main',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.licenses': 'MIT',
    });
    expect(Date.parse(config['org.opencontainers.image.created'])).toBeGreaterThan(Date.now() - 3_600_000);
    expect(r.sizeBytes).toBeGreaterThan(0);
    expect(r.layers).toBeGreaterThan(1);
    const summary = r.report.toString();
    expect(summary).toContain(r.digest!);
    expect(summary).toMatch(/steps from cache/);
    // cache none, no secrets, one platform: the built-in BuildKit lost nothing these inputs asked for.
    expect(r.lostFeatures).toEqual([]);
    expect(logger.text()).not.toMatch(/warning: docker buildx is not installed/);
    // A long timeout: example-app is edited by others while this runs, so npm ci may re-run cold.
  }, 900_000);

  test.each([
    ['buildkit', 'a BuildKit secret mount'],
    ['legacy', 'the one-time loopback URL of the legacy rewrite'],
  ] as const)(
    '%s: a build secret reaches its RUN step (through %s) but is absent from docker history, the image filesystem (docker export) and the logs',
    async (builder, _through) => {
      const secret = `s3cr3t-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 24)}`;
      const logger = new MemoryLogger();
      const { exec, calls } = recordingExec();
      const r = await runBuildPush(
        inputs({
          registry: '',
          image: 'ragship-build-secret-fixture',
          // The stage whose history holds the secret step (the runtime stage alone would prove nothing).
          target: 'build',
          push: false,
          username: undefined,
          password: undefined,
          secrets: { api_token: secret },
          builder,
          // BuildKit leaves secrets out of the cache key: a cached step would hold an earlier run's secret.
          noCache: true,
        }),
        { exec, logger },
      );
      expect(r.builder).toBe(builder);
      const image = r.imageId;
      // The step saw the secret: the image keeps only its sha256.
      const kept = docker('run', '--rm', '--entrypoint', 'cat', image, '/src/out/secret.sha256').trim();
      expect(kept).toBe(createHash('sha256').update(secret).digest('hex'));
      // …and nothing else keeps the secret.
      const history = docker('history', '--no-trunc', image);
      if (builder === 'legacy') expect(history).toContain('__ragship_fetch');
      // BuildKit's history shows the step reading the mounted file, never the value.
      else expect(history).toMatch(/\/run\/secrets\/api_token[\s\S]*# buildkit/);
      expect(history).not.toContain(secret);
      expect(docker('image', 'inspect', image)).not.toContain(secret);
      const container = docker('create', image).trim();
      try {
        const tar = execFileSync('docker', ['export', container], { maxBuffer: 1024 * 1024 * 1024 });
        expect(tar.includes(Buffer.from(secret))).toBe(false);
        expect(tar.includes(Buffer.from('run/secrets/api_token'))).toBe(false);
      } finally {
        docker('rm', container);
      }
      expect(logger.text()).not.toContain(secret);
      expect(JSON.stringify(calls)).not.toContain(secret);
      if (builder === 'legacy') expect(r.lostFeatures.join(' ')).toMatch(/secret mounts/);
      else expect(r.lostFeatures).toEqual([]);
    },
  );

  test('wrong registry password: clear error, non-zero, password in no output and no argv, nothing built', async () => {
    const wrong = 'wr0ng-pa55word-do-not-print';
    const logger = new MemoryLogger();
    const { exec, calls } = recordingExec();
    const err = await runBuildPush(inputs({ password: wrong }), { exec, logger }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/registry localhost:5000: rejected the credentials of user "ragship"/);
    expect(err.message).not.toContain(wrong);
    expect(logger.text()).not.toContain(wrong);
    expect(calls.flatMap((c) => c.argv).join(' ')).not.toContain(wrong);
    expect(calls.find((c) => c.argv[1] === 'login')?.input).toBe(wrong);
    expect(calls.some((c) => c.argv[1] === 'build')).toBe(false);
  });

  test('unreachable registry: the error says unreachable before anything is built', async () => {
    const { exec, calls } = recordingExec();
    const err = await runBuildPush(inputs({ registry: 'localhost:5999' }), {
      exec,
      logger: new MemoryLogger(),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/registry localhost:5999: is unreachable/);
    expect(calls.some((c) => c.argv[1] === 'build')).toBe(false);
  });

  test.each(['v1;id', '$(touch /tmp/pwned)', 'a b', '`id`'])(
    'injection string %j in tags is rejected before any command runs',
    async (tag) => {
      const { exec, calls } = recordingExec();
      await expect(
        runBuildPush(inputs({ tags: [tag] }), { exec, logger: new MemoryLogger() }),
      ).rejects.toThrow(ConfigError);
      expect(calls).toEqual([]);
    },
  );

  test.each([
    ['buildkit', /Dockerfile step "\[\d+\/\d+\] RUN echo "compiling the broken stage"/, 'exit code: 3'],
    [
      'legacy',
      /Dockerfile step "Step 4\/\d+ : RUN echo "compiling the broken stage"/,
      'returned a non-zero code: 3',
    ],
  ] as const)(
    '%s: a failing Dockerfile step: the error names the step and shows its last output lines',
    async (builder, step, code) => {
      const err = await runBuildPush(
        inputs({
          builder,
          file: `${FIXTURE}/broken.Dockerfile`,
          push: false,
          registry: '',
          image: 'ragship-build-broken',
          username: undefined,
          password: undefined,
        }),
        {
          exec: execLocal,
          logger: new MemoryLogger(),
        },
      ).catch((e) => e);
      expect(err).toBeInstanceOf(BuildStepError);
      expect(err.message).toMatch(step);
      expect(err.message).toContain(code);
      expect(err.message).toMatch(/last output of the step:\n(.*\n)*.*error: missing module \.\/nowhere/);
    },
  );
});
