import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveSourceContainer } from '../../../src/backup/backup.js';
import {
  composeServiceNames,
  resolveComposeContainer,
  sourceFromConfig,
} from '../../../src/backup/config-source.js';
import { type InputReader, readConfigSource, readSource } from '../../../src/backup/inputs.js';
import { parseConfig } from '../../../src/config/load.js';
import { InputReader as CoreInputReader, recordSource } from '../../../src/core/input-reader.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RemoteHost } from '../../../src/core/remote-host.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const exampleYml = readFileSync(join(ROOT, 'example-app/ragship.yml'), 'utf8');
const example = parseConfig(exampleYml);

/** The action's input reader over a plain record (names exactly as in action.yml). */
function inputs(values: Record<string, string>): InputReader {
  return new CoreInputReader(recordSource('action', values));
}

/** A host whose Docker answers `docker ps` with the given names. */
function fakeHost(stdout: string): RemoteHost & { argv: string[][] } {
  const argv: string[][] = [];
  return {
    label: 'deploy@web1:22',
    argv,
    exec: async (a: string[]) => {
      argv.push(a);
      return { code: 0, signal: undefined, stdout, stderr: '', durationMs: 1 };
    },
  } as unknown as RemoteHost & { argv: string[][] };
}

describe('backup source from ragship.yml', () => {
  test('environment → the role that runs chroma (web, not the vLLM-only llm role), its first host, the deploy compose project', () => {
    expect(sourceFromConfig(example, 'production')).toEqual({
      app: 'northwind-rag',
      role: 'web',
      hostSpec: 'deploy@web1.northwind.example:22',
      project: 'northwind-rag-production-web',
      service: 'chroma',
      // The environment's deploy lock, on the first host of the first role (where deploys take it).
      lock: {
        hostSpec: 'deploy@web1.northwind.example:22',
        root: example.environments.production!.root,
        app: 'northwind-rag',
        environment: 'production',
        ttlSeconds: example.lock.ttl,
        waitSeconds: example.lock.wait,
      },
    });
    expect(sourceFromConfig(example, 'staging').hostSpec).toBe('deploy@web1.staging.northwind.example:22');
  });

  test('an explicit role is used; a role that runs only other services, an unknown role or environment, are refused with the fix', () => {
    expect(sourceFromConfig(example, 'staging', { role: 'web' }).project).toBe('northwind-rag-staging-web');
    expect(() => sourceFromConfig(example, 'staging', { role: 'llm' })).toThrow(/runs only vllm, not chroma/);
    expect(() => sourceFromConfig(example, 'staging', { role: 'db' })).toThrow(/use one of: web, llm/);
    expect(() => sourceFromConfig(example, 'qa')).toThrow(/"qa" is not defined in ragship.yml/);
    expect(() => sourceFromConfig(example, 'staging', { service: 'chroma;rm' })).toThrow(
      /not a compose service name/,
    );
  });

  test('several roles that may run chroma need an explicit role', () => {
    const two = parseConfig(
      exampleYml.replace('        services: [vllm]\n        service: vllm', '        service: vllm'),
    );
    expect(() => sourceFromConfig(two, 'staging')).toThrow(/several roles that may run chroma \(web, llm\)/);
    expect(sourceFromConfig(two, 'staging', { role: 'llm' }).hostSpec).toBe(
      'deploy@gpu1.staging.northwind.example:22',
    );
  });

  test('action inputs: config + environment fill host and the compose service; explicit host and container still win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragship-backup-cfg-'));
    try {
      const path = join(dir, 'ragship.yml');
      writeFileSync(path, exampleYml);
      const base = { 'ssh-private-key': 'KEY', 'chroma-service': 'chroma' };
      const fromConfig = readConfigSource(inputs({ ...base, config: path }), 'production');
      const src = readSource(inputs({ ...base, config: path }), fromConfig);
      expect(src.host?.spec).toBe('deploy@web1.northwind.example:22');
      expect(src.container).toBeUndefined();
      expect(src.compose).toEqual({ project: 'northwind-rag-production-web', service: 'chroma' });

      const explicit = readSource(
        inputs({ ...base, config: path, host: 'ops@10.0.0.9:2222', container: 'my-chroma' }),
        fromConfig,
      );
      expect(explicit.host?.spec).toBe('ops@10.0.0.9:2222');
      expect(explicit.container).toBe('my-chroma');
      expect(explicit.compose).toBeUndefined();

      // Without config: explicit inputs only, exactly as before.
      expect(readConfigSource(inputs(base), 'production')).toBeUndefined();
      const plain = readSource(inputs({ ...base, host: 'deploy@h:22', container: 'c' }));
      expect(plain).toMatchObject({ container: 'c', compose: undefined });
      expect(() => readConfigSource(inputs({ config: join(dir, 'missing.yml') }), 'production')).toThrow(
        /cannot be read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the container is found by compose labels (v1 and v2 names alike); none or several running is a clear error', async () => {
    expect(composeServiceNames('northwind-rag-production-web', 'chroma')).toEqual([
      'docker',
      'ps',
      '--filter',
      'label=com.docker.compose.project=northwind-rag-production-web',
      '--filter',
      'label=com.docker.compose.service=chroma',
      '--format',
      '{{.Names}}',
    ]);
    const compose = { project: 'northwind-rag-production-web', service: 'chroma' };
    for (const name of ['northwind-rag-production-web_chroma_1', 'northwind-rag-production-web-chroma-1'])
      expect(await resolveComposeContainer(fakeHost(`${name}\n`), compose)).toBe(name);
    await expect(resolveComposeContainer(fakeHost(''), compose)).rejects.toThrow(
      /has no running chroma container/,
    );
    await expect(resolveComposeContainer(fakeHost('a\nb\n'), compose)).rejects.toThrow(
      /runs 2 chroma containers/,
    );

    const host = fakeHost('northwind-rag-production-web-chroma-1\n');
    const source = { persistPath: '/data', chromaPort: 8000, compose };
    const resolved = await resolveSourceContainer(source, host, new MemoryLogger());
    expect(resolved.container).toBe('northwind-rag-production-web-chroma-1');
    // An explicit container is never looked up.
    const explicit = await resolveSourceContainer({ ...source, container: 'mine' }, host, new MemoryLogger());
    expect(explicit.container).toBe('mine');
    expect(host.argv).toHaveLength(1);
    // A name Docker returns still passes the container grammar before it reaches argv.
    await expect(
      resolveSourceContainer(source, fakeHost('bad name;rm\n'), new MemoryLogger()),
    ).rejects.toThrow(/is not a container name/);
  });
});
