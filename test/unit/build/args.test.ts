import { describe, expect, test } from 'vitest';
import {
  type BuildPlan,
  buildkitArgs,
  buildxArgs,
  cacheArgs,
  legacyArgs,
  loginArgs,
} from '../../../src/build/args.js';
import { lostWithoutBuildx } from '../../../src/build/build-push.js';
import {
  type BuildPushInputs,
  checkInputs,
  contextDir,
  dockerfileOf,
  repositoryOf,
} from '../../../src/build/inputs.js';
import { ConfigError } from '../../../src/core/errors.js';

const inputs = (over: Partial<BuildPushInputs> = {}): BuildPushInputs => ({
  context: '/ws/app',
  buildArgs: {},
  secrets: {},
  secretFiles: {},
  platforms: [],
  registry: 'ghcr.io',
  image: 'acme/rag-app',
  push: true,
  cache: 'none',
  provenance: false,
  sbom: false,
  tags: [],
  labels: {},
  builder: 'auto',
  git: { eventName: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40) },
  tempDir: '/tmp',
  ...over,
});

const plan = (over: Partial<BuildPlan> = {}): BuildPlan => ({
  repository: 'ghcr.io/acme/rag-app',
  refs: ['ghcr.io/acme/rag-app:main', 'ghcr.io/acme/rag-app:sha-aaaaaaa'],
  labels: { 'org.opencontainers.image.revision': 'aaa' },
  dockerfile: '/ws/app/Dockerfile',
  secretFiles: {},
  iidFile: '/tmp/x/iid',
  metadataFile: '/tmp/x/metadata.json',
  ...over,
});

describe('buildxArgs: inputs → argv', () => {
  test.each<[string, Partial<BuildPushInputs>, Partial<BuildPlan>, string[]]>([
    [
      'push with target, build arg, secret file and two platforms',
      { target: 'runtime', buildArgs: { NODE_IMAGE: 'node:20' }, platforms: ['linux/amd64', 'linux/arm64'] },
      { secretFiles: { npm_token: '/tmp/x/secret-npm_token' } },
      [
        'docker',
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/ws/app/Dockerfile',
        '--target',
        'runtime',
        '--build-arg',
        'NODE_IMAGE=node:20',
        '--secret',
        'id=npm_token,src=/tmp/x/secret-npm_token',
        '--platform',
        'linux/amd64,linux/arm64',
        '--tag',
        'ghcr.io/acme/rag-app:main',
        '--tag',
        'ghcr.io/acme/rag-app:sha-aaaaaaa',
        '--label',
        'org.opencontainers.image.revision=aaa',
        '--provenance=false',
        '--sbom=false',
        '--iidfile',
        '/tmp/x/iid',
        '--metadata-file',
        '/tmp/x/metadata.json',
        '--push',
        '/ws/app',
      ],
    ],
    [
      'no push loads into the engine; provenance and sbom on',
      { push: false, provenance: true, sbom: true },
      { refs: ['ghcr.io/acme/rag-app:main'], labels: {} },
      [
        'docker',
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/ws/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/rag-app:main',
        '--provenance=mode=max',
        '--sbom=true',
        '--iidfile',
        '/tmp/x/iid',
        '--metadata-file',
        '/tmp/x/metadata.json',
        '--load',
        '/ws/app',
      ],
    ],
  ])('%s', (_name, i, p, argv) => {
    expect(buildxArgs(inputs(i), plan(p))).toEqual(argv);
  });

  test('a secret value never appears in buildx argv (only the 0600 file path)', () => {
    const argv = buildxArgs(
      inputs({ secrets: { api: 'sk-live-123456' } }),
      plan({ secretFiles: { api: '/tmp/x/secret-api' } }),
    );
    expect(argv.join(' ')).not.toContain('sk-live-123456');
    expect(argv).toContain('id=api,src=/tmp/x/secret-api');
  });
});

describe('cacheArgs: one scope per image (build-push-action#867)', () => {
  test.each<[string, Partial<BuildPushInputs>, string[]]>([
    ['none', { cache: 'none' }, []],
    [
      'gha scoped by image name',
      { cache: 'gha' },
      ['--cache-from', 'type=gha,scope=acme-rag-app', '--cache-to', 'type=gha,mode=max,scope=acme-rag-app'],
    ],
    [
      'gha scoped by image and target',
      { cache: 'gha', target: 'runtime' },
      [
        '--cache-from',
        'type=gha,scope=acme-rag-app-runtime',
        '--cache-to',
        'type=gha,mode=max,scope=acme-rag-app-runtime',
      ],
    ],
    [
      'gha with explicit scope',
      { cache: 'gha', cacheScope: 'api' },
      ['--cache-from', 'type=gha,scope=api', '--cache-to', 'type=gha,mode=max,scope=api'],
    ],
    [
      'registry, pushing: read and write a buildcache tag',
      { cache: 'registry' },
      [
        '--cache-from',
        'type=registry,ref=ghcr.io/acme/rag-app:buildcache-acme-rag-app',
        '--cache-to',
        'type=registry,ref=ghcr.io/acme/rag-app:buildcache-acme-rag-app,mode=max',
      ],
    ],
    [
      'registry, not pushing: read only',
      { cache: 'registry', push: false },
      ['--cache-from', 'type=registry,ref=ghcr.io/acme/rag-app:buildcache-acme-rag-app'],
    ],
    [
      'local folder',
      { cache: 'local', cacheDir: '/ws/.cache/buildx' },
      [
        '--cache-from',
        'type=local,src=/ws/.cache/buildx',
        '--cache-to',
        'type=local,dest=/ws/.cache/buildx,mode=max',
      ],
    ],
  ])('%s', (_name, i, argv) => {
    expect(cacheArgs(inputs(i), 'ghcr.io/acme/rag-app')).toEqual(argv);
  });
});

describe('legacyArgs: the fallback docker build', () => {
  test.each<[string, Partial<BuildPushInputs>, Partial<BuildPlan>, string[]]>([
    [
      'plain',
      { target: 'runtime', buildArgs: { NODE_IMAGE: 'local/node:20' } },
      { refs: ['ghcr.io/acme/rag-app:main'], labels: { a: 'b' } },
      [
        'docker',
        'build',
        '--file',
        '/ws/app/Dockerfile',
        '--target',
        'runtime',
        '--build-arg',
        'NODE_IMAGE=local/node:20',
        '--tag',
        'ghcr.io/acme/rag-app:main',
        '--label',
        'a=b',
        '--iidfile',
        '/tmp/x/iid',
        '/ws/app',
      ],
    ],
    [
      'serving secrets: host network, rewritten Dockerfile, single platform',
      { platforms: ['linux/amd64'] },
      { refs: ['r:t'], labels: {}, dockerfile: '/tmp/x/Dockerfile.legacy', hostNetwork: true },
      [
        'docker',
        'build',
        '--file',
        '/tmp/x/Dockerfile.legacy',
        '--platform',
        'linux/amd64',
        '--network',
        'host',
        '--tag',
        'r:t',
        '--iidfile',
        '/tmp/x/iid',
        '/ws/app',
      ],
    ],
  ])('%s', (_name, i, p, argv) => {
    expect(legacyArgs(inputs(i), plan(p))).toEqual(argv);
  });

  test('lostWithoutBuildx names every feature the inputs ask for that the legacy builder lacks', () => {
    expect(
      lostWithoutBuildx(
        inputs({
          cache: 'gha',
          provenance: true,
          sbom: true,
          platforms: ['linux/amd64', 'linux/arm64'],
          secrets: { a: 'xyz' },
        }),
      ),
    ).toEqual([
      'cache backend "gha" (only the engine\'s local layer cache is used)',
      'provenance attestation',
      'SBOM attestation',
      'multi-platform (linux/amd64, linux/arm64)',
      'BuildKit secret mounts (served to RUN steps over a one-time loopback URL instead; those steps are not cached)',
    ]);
    expect(lostWithoutBuildx(inputs())).toEqual([]);
  });

  test('the built-in BuildKit keeps secret mounts and loses cache backends, attestations and platforms', () => {
    const asked = inputs({
      cache: 'registry',
      provenance: true,
      sbom: false,
      platforms: ['linux/amd64', 'linux/arm64'],
      secrets: { a: 'xyz' },
    });
    expect(lostWithoutBuildx(asked, 'buildkit')).toEqual([
      'cache backend "registry" (only the engine\'s local layer cache is used)',
      'provenance attestation',
      'multi-platform (linux/amd64, linux/arm64)',
    ]);
    expect(lostWithoutBuildx(asked, 'buildx')).toEqual([]);
  });

  test('buildkitArgs: the chosen client, plain progress, secrets as --secret files, no buildx-only flags', () => {
    const argv = buildkitArgs(
      '/usr/bin/docker',
      inputs({
        target: 'build',
        buildArgs: { NODE_IMAGE: 'n:20' },
        platforms: ['linux/amd64'],
        noCache: true,
      }),
      plan({ secretFiles: { api_token: '/tmp/x/secret-api_token' } }),
    );
    expect(argv.slice(0, 3)).toEqual(['/usr/bin/docker', 'build', '--progress=plain']);
    expect(argv).toContain('--secret');
    expect(argv[argv.indexOf('--secret') + 1]).toBe('id=api_token,src=/tmp/x/secret-api_token');
    expect(argv).toEqual(
      expect.arrayContaining(['--target', 'build', '--platform', 'linux/amd64', '--no-cache']),
    );
    for (const flag of ['--push', '--load', '--cache-to', '--cache-from', '--metadata-file'])
      expect(argv).not.toContain(flag);
    expect(argv.at(-1)).toBe('/ws/app');
  });
});

describe('docker login keeps the password out of argv', () => {
  test('argv has --password-stdin and no password', () => {
    expect(loginArgs('localhost:5000', 'ci')).toEqual([
      'docker',
      'login',
      '--username',
      'ci',
      '--password-stdin',
      'localhost:5000',
    ]);
    expect(loginArgs('', 'ci')).toEqual(['docker', 'login', '--username', 'ci', '--password-stdin']);
  });
});

describe('checkInputs refuses bad input before anything runs', () => {
  test.each<[string, Partial<BuildPushInputs>, RegExp]>([
    ['upper-case image', { image: 'Acme/App' }, /image/],
    ['image with shell', { image: 'acme/app;id' }, /image/],
    ['registry with a path', { registry: 'ghcr.io/acme' }, /registry/],
    ['registry with injection', { registry: 'evil.io$(id)' }, /registry/],
    ['bad target', { target: 'run time' }, /target/],
    ['bad platform', { platforms: ['amd64'] }, /platforms\[0\]/],
    ['bad secret id', { secrets: { 'a,src=/etc/shadow': 'x' } }, /secret id/],
    [
      'secret file path that would inject into the csv',
      { secretFiles: { a: '/tmp/x,id=b' } },
      /secret-files a/,
    ],
    [
      'build arg carrying a secret value',
      { secrets: { token: 'sk-123456' }, buildArgs: { TOKEN: 'sk-123456' } },
      /contains the value of a build secret/,
    ],
    ['build arg name with spaces', { buildArgs: { 'A B': '1' } }, /build-args/],
    ['local cache without a folder', { cache: 'local' }, /cache-dir/],
    ['username without password', { username: 'ci' }, /only one of username and password/],
    [
      'several platforms without push',
      { push: false, platforms: ['linux/amd64', 'linux/arm64'] },
      /multi-platform/,
    ],
  ])('%s', (_name, over, message) => {
    expect(() => checkInputs(inputs(over))).toThrow(ConfigError);
    expect(() => checkInputs(inputs(over))).toThrow(message);
  });

  test.each([
    ['', 'acme/app', 'acme/app'],
    ['localhost:5000', 'ragship-build/app', 'localhost:5000/ragship-build/app'],
    ['ghcr.io/', 'acme/app', 'ghcr.io/acme/app'],
  ])('repositoryOf(%j, %j) = %j', (registry, image, repo) => {
    expect(repositoryOf({ registry, image })).toBe(repo);
  });
});

describe('paths', () => {
  test('context and Dockerfile are absolute against the working directory', () => {
    expect(contextDir({ context: '/ws/app/' })).toBe('/ws/app');
    expect(dockerfileOf({ context: '/ws/app' })).toBe('/ws/app/Dockerfile');
    expect(dockerfileOf({ context: '/', file: undefined })).toBe('/Dockerfile');
    expect(dockerfileOf({ context: '/ws', file: 'docker/app.Dockerfile' })).toBe(
      `${process.cwd()}/docker/app.Dockerfile`,
    );
    expect(contextDir({ context: '' })).toBe(process.cwd());
  });
});
