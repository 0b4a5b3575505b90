import { tmpdir } from 'node:os';
import type { Command } from 'commander';
import type { GitContext } from '../build/git-context.js';
import { readBuildPushInputs } from '../build/inputs.js';
import { parseKeyValues } from '../build/tags.js';
import { ConfigError } from '../core/errors.js';
import { execLocal } from '../core/exec.js';
import { alias, boolOption, cliReader, collect } from './options.js';
import type { CliContext } from './program.js';

async function git(args: string[], cwd: string): Promise<string> {
  try {
    const r = await execLocal(['git', ...args], { cwd, allowFailure: true });
    return r.code === 0 ? r.stdout.trim() : '';
  } catch {
    return '';
  }
}

/** The CLI's git context: flags win, else what `git` says about the checkout of the build context. */
async function gitContext(opts: Record<string, string | undefined>, cwd: string): Promise<GitContext> {
  const sha = opts.sha ?? (await git(['rev-parse', 'HEAD'], cwd));
  const tag = await git(['describe', '--exact-match', '--tags', 'HEAD'], cwd);
  const ref =
    opts.ref ?? ((await git(['symbolic-ref', '-q', 'HEAD'], cwd)) || (tag ? `refs/tags/${tag}` : ''));
  const originHead = (await git(['symbolic-ref', '-q', 'refs/remotes/origin/HEAD'], cwd)).replace(
    'refs/remotes/origin/',
    '',
  );
  const url =
    opts.sourceUrl ??
    (await git(['config', '--get', 'remote.origin.url'], cwd))
      .replace(/^git@([^:]+):/, 'https://$1/')
      .replace(/\.git$/, '');
  return {
    eventName: opts.event ?? 'push',
    ref,
    sha,
    prNumber: opts.pr ? Number(opts.pr) : undefined,
    prHeadSha: opts.pr ? sha : undefined,
    defaultBranch: opts.defaultBranch ?? (originHead || 'main'),
    repository: { htmlUrl: /^https:\/\//.test(url) ? url : undefined },
  };
}

export function registerBuild(program: Command, ctx: () => CliContext): void {
  const build = program
    .command('build')
    .description(
      'build the multi-stage image and push it with computed tags and OCI labels; prints the digest',
    )
    .requiredOption('--image <name>', 'image name inside the registry, e.g. acme/rag-app')
    .option('--registry <host[:port]>', 'registry host (empty = Docker Hub)')
    .option(
      '--username <user>',
      'registry user (password from --password-file or env RAGSHIP_REGISTRY_PASSWORD)',
    )
    .option('--password-file <path>', 'file holding the registry password or token')
    .option('--context <dir>', 'build context (default .)')
    .option('--file <path>', 'Dockerfile (default <context>/Dockerfile)')
    .option('--target <stage>', 'multi-stage target')
    .option('--build-args <KEY=value>', 'build argument (repeatable; never secrets)', collect)
    .option(
      '--secret-env <id=ENV_NAME>',
      'build secret read from an environment variable (repeatable; the CLI form of the secrets input)',
      collect,
    )
    .option('--secret-files <id=path>', 'build secret read from a file (repeatable)', collect)
    .option('--platforms <os/arch>', 'target platform (repeatable or comma-separated; buildx only)', collect)
    .option('--tags <tag>', 'extra raw tag (repeatable)', collect)
    .option('--labels <key=value>', 'extra label (repeatable)', collect)
    .option('--cache <mode>', 'gha | registry | local | none (default none)')
    .option('--cache-scope <scope>', 'cache scope (default: image name + target)')
    .option('--cache-dir <dir>', 'folder for --cache local')
    .option('--builder <auto|buildx|buildkit|legacy>', 'which builder to use (default auto)')
    .option('--event <name>', 'event the tags are computed for: push, pull_request, schedule', 'push')
    .option('--ref <ref>', 'git ref (default: the checked-out branch or tag)')
    .option('--sha <sha>', 'git commit (default: HEAD)')
    .option('--pr <number>', 'pull request number (with --event pull_request)')
    .option('--default-branch <name>', 'branch that gets `latest` (default: origin HEAD, else main)')
    .option('--source-url <url>', 'repository URL for org.opencontainers.image.source');
  boolOption(build, 'push', 'push to the registry (default true; false: build and load locally)');
  boolOption(build, 'provenance', 'attach a provenance attestation (buildx)');
  boolOption(build, 'sbom', 'attach an SBOM attestation (buildx)');
  boolOption(build, 'no-cache', 'ignore every layer cache, a cold build');
  alias(build, 'build-args', '--build-arg <KEY=value>', { repeatable: true });
  alias(build, 'secret-files', '--secret-file <id=path>', { repeatable: true });
  alias(build, 'platforms', '--platform <os/arch>', { repeatable: true });
  alias(build, 'tags', '--tag <tag>', { repeatable: true });
  alias(build, 'labels', '--label <key=value>', { repeatable: true });
  alias(build, 'no-cache', '--no-layer-cache');
  alias(build, 'push', '--no-push', { invert: true });
  build.action(async (opts, cmd: Command) => {
    const secrets: Record<string, string> = {};
    for (const [id, envName] of Object.entries(parseKeyValues(opts.secretEnv ?? [], '--secret-env'))) {
      const value = process.env[envName];
      if (!value)
        throw new ConfigError(
          `--secret-env ${id}`,
          `environment variable ${envName} is empty`,
          'export it before running ragship build',
        );
      secrets[id] = value;
    }
    const r = cliReader(cmd);
    const inputs = readBuildPushInputs(r, {
      secrets,
      git: await gitContext(opts, r.str('context', { default: '.' })),
      tempDir: tmpdir(),
      cacheDefault: 'none',
    });
    const { logger, print } = ctx();
    const result = await (await import('../build/build-push.js')).runBuildPush(inputs, {
      exec: execLocal,
      logger,
    });
    print((await import('../build/build-push.js')).metadataOf(result), result.image ?? result.imageId);
  });
}
