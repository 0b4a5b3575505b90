/**
 * Adaptive concurrency with back-off. A 429 or 5xx halves the number of calls allowed in
 * flight (never below 1) and pauses every caller until the server's Retry-After has passed;
 * each run of successes grows the limit again by one, up to the configured concurrency
 * (AIMD, like TCP). Retries are bounded: after `maxRetries` the call ends as an error —
 * a case is never dropped silently.
 */

export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    readonly status?: number,
    /** From Retry-After, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface LimiterStats {
  throttled: number;
  retries: number;
  /** Lowest limit reached. */
  minLimit: number;
  waitedMs: number;
}

export class AdaptiveLimiter {
  private limit: number;
  private active = 0;
  private successes = 0;
  private pausedUntil = 0;
  private readonly waiters: Array<() => void> = [];
  readonly stats: LimiterStats;

  constructor(
    readonly max: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.limit = max;
    this.stats = { throttled: 0, retries: 0, minLimit: max, waitedMs: 0 };
  }

  get currentLimit(): number {
    return this.limit;
  }

  async acquire(): Promise<void> {
    while (this.active >= this.limit) await new Promise<void>((r) => this.waiters.push(r));
    this.active++;
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) {
      this.stats.waitedMs += wait;
      await this.sleep(wait);
    }
  }

  release(): void {
    this.active--;
    this.waiters.shift()?.();
  }

  onSuccess(): void {
    if (++this.successes >= this.limit && this.limit < this.max) {
      this.limit++;
      this.successes = 0;
      this.waiters.shift()?.();
    }
  }

  onThrottle(pauseMs: number): void {
    this.stats.throttled++;
    this.successes = 0;
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.stats.minLimit = Math.min(this.stats.minLimit, this.limit);
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pauseMs);
  }

  /**
   * Runs `fn` inside a slot, retrying RetryableErrors up to `maxRetries` times; the wait is
   * Retry-After when given (capped at maxBackoffMs), else 250 ms · 2^attempt.
   */
  async run<T>(
    fn: () => Promise<T>,
    options: { maxRetries: number; maxBackoffMs: number },
  ): Promise<{ value: T; attempts: number }> {
    for (let attempt = 0; ; attempt++) {
      await this.acquire();
      try {
        const value = await fn();
        this.onSuccess();
        return { value, attempts: attempt + 1 };
      } catch (err) {
        if (!(err instanceof RetryableError) || attempt >= options.maxRetries) {
          if (err instanceof RetryableError) {
            throw new RetryableError(
              `${err.message} (gave up after ${attempt + 1} attempts)`,
              err.status,
              err.retryAfterMs,
            );
          }
          throw err;
        }
        this.stats.retries++;
        const backoff = Math.min(options.maxBackoffMs, err.retryAfterMs ?? 250 * 2 ** attempt);
        this.onThrottle(backoff);
      } finally {
        this.release();
      }
    }
  }
}
