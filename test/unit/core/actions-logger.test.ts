import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionsLogger } from '../../../src/github/logger.js';

describe('ActionsLogger groups', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never nests ::group:: (GitHub cannot): inner and concurrent groups become plain lines inside the open one', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk).trimEnd());
      return true;
    });
    const logger = new ActionsLogger();
    await logger.group('preflight', async () => {
      await Promise.all([
        logger.group('preflight a', async () => logger.info('a')),
        logger.group('preflight b', async () => logger.info('b')),
      ]);
    });
    await logger.group('pull', async () => undefined);
    const commands = out.filter((l) => l.startsWith('::'));
    expect(commands).toEqual(['::group::preflight', '::endgroup::', '::group::pull', '::endgroup::']);
    expect(out).toContain('▶ preflight a');
    expect(out).toContain('▶ preflight b');
    expect(out.findIndex((l) => l.startsWith('preflight a took'))).toBeLessThan(out.indexOf('::endgroup::'));
  });
});
