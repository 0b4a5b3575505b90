import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { MemoryLogger } from '../../../src/core/logger.js';
import { admitEnv, type EnvSession } from '../../../src/deploy/session.js';

// What both engines (compose hosts and Swarm) check before anything connects.
const session = (requiredEnv: string[]) => ({ env: { requiredEnv } }) as unknown as EnvSession;

describe('admitEnv: the deploy env before any connection', () => {
  it('refuses a deploy that lacks a requiredEnv key, naming the key and the fix', () => {
    const err = (() => {
      try {
        admitEnv(session(['API_KEY', 'DB_URL']), { API_KEY: 'k' }, new MemoryLogger());
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(String((err as Error).message)).toMatch(/requiredEnv/);
    expect(JSON.stringify(err)).not.toContain('"k"');
  });

  it('masks every value in the logs when all required keys are there', () => {
    const logger = new MemoryLogger();
    admitEnv(session(['API_KEY']), { API_KEY: 'sk-secret-123' }, logger);
    logger.info('calling with sk-secret-123');
    expect(logger.lines.join('\n')).not.toContain('sk-secret-123');
  });
});
