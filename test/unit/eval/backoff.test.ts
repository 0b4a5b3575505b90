import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter, parseRetryAfter, RetryableError } from '../../../src/eval/backoff.js';
import { parseVerdict } from '../../../src/eval/judge.js';

describe('adaptive back-off', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('halves the limit on each throttle (never below 1) and grows it back by one per window of successes', () => {
    const l = new AdaptiveLimiter(8, async () => {});
    l.onThrottle(0);
    expect(l.currentLimit).toBe(4);
    l.onThrottle(0);
    l.onThrottle(0);
    l.onThrottle(0);
    expect(l.currentLimit).toBe(1);
    l.onSuccess();
    expect(l.currentLimit).toBe(2);
    l.onSuccess();
    l.onSuccess();
    expect(l.currentLimit).toBe(3);
    expect(l.stats).toMatchObject({ throttled: 4, minLimit: 1 });
  });

  it('waits the Retry-After (capped) before retrying, and gives up after maxRetries with the attempt count', async () => {
    const waits: number[] = [];
    const l = new AdaptiveLimiter(2, async (ms) => {
      waits.push(ms);
    });
    let calls = 0;
    const r = await l.run(
      async () => {
        if (++calls < 3) throw new RetryableError('429', 429, 60_000);
        return 'ok';
      },
      { maxRetries: 5, maxBackoffMs: 1500 },
    );
    expect(r).toEqual({ value: 'ok', attempts: 3 });
    expect(waits.every((w) => w > 1000 && w <= 1500)).toBe(true);
    await expect(
      l.run(async () => Promise.reject(new RetryableError('503', 503)), { maxRetries: 2, maxBackoffMs: 0 }),
    ).rejects.toThrow('503 (gave up after 3 attempts)');
    await expect(
      l.run(async () => Promise.reject(new Error('400 bad request')), { maxRetries: 5, maxBackoffMs: 0 }),
    ).rejects.toThrow('400 bad request');
  });
});

describe('judge output parsing', () => {
  it('accepts only {score 0..1, reason}; anything else is a JudgeOutputError', () => {
    expect(parseVerdict('{"score":0.75,"reason":"ok"}')).toEqual({ score: 0.75, reason: 'ok' });
    expect(() => parseVerdict('Sure! The score is probably high-ish.')).toThrow(/not JSON/);
    expect(() => parseVerdict('{"score":7,"reason":"x"}')).toThrow(/does not match the schema/);
    expect(() => parseVerdict('{"score":"1","reason":"x"}')).toThrow(/does not match the schema/);
    expect(() => parseVerdict(undefined)).toThrow(/no message content/);
  });
});
