import { describe, expect, it } from 'vitest';
import { failedStep, failureReport, servingAfterFailure } from '../../../src/deploy/failure.js';
import { parseOtherRetained } from '../../../src/deploy/host-retention.js';

describe('host-wide retention: what the other deploy roots keep', () => {
  it('reads retained-images files, and every successful image of a log without one', () => {
    const log = [
      { id: 'r1', result: 'success', images: { web: 'reg/app@sha256:aa' } },
      { id: 'r2', result: 'failed', images: { web: 'reg/app@sha256:bb' } },
    ]
      .map((r) =>
        JSON.stringify({
          kind: 'deploy',
          app: 'a',
          environment: 'e',
          image: r.images.web,
          composeHash: '',
          envHash: '',
          actor: 'x',
          startedAt: '',
          finishedAt: '',
          timings: {},
          ...r,
        }),
      )
      .join('\n');
    const out = `@@retained /h/ragship/a/production\nreg/app@sha256:cc\n\n@@log /h/ragship/b/staging\n${log}\n`;
    const kept = parseOtherRetained(out);
    expect(kept.get('reg/app@sha256:cc')).toBe('/h/ragship/a/production');
    expect(kept.get('reg/app@sha256:aa')).toBe('/h/ragship/b/staging');
    expect(kept.has('reg/app@sha256:bb')).toBe(false);
  });

  it('a removed environment (its log ends with a whole-environment remove) retains nothing', () => {
    const base = {
      app: 'a',
      environment: 'e',
      composeHash: '',
      envHash: '',
      actor: 'x',
      startedAt: '',
      finishedAt: '',
      timings: {},
    };
    const deployed = {
      ...base,
      id: 'r1',
      kind: 'deploy',
      result: 'success',
      image: 'reg/app@sha256:aa',
      images: { web: 'reg/app@sha256:aa' },
    };
    const removed = { ...base, id: 'r2', kind: 'remove', result: 'removed', image: '', images: {} };
    const out = (records: object[]) =>
      `@@log /h/ragship/a/e\n${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    expect(parseOtherRetained(out([deployed])).has('reg/app@sha256:aa')).toBe(true);
    expect(parseOtherRetained(out([deployed, removed])).size).toBe(0);
    // Removing one role keeps what the environment's other roles retain.
    expect(parseOtherRetained(out([deployed, { ...removed, roles: ['llm'] }])).has('reg/app@sha256:aa')).toBe(
      true,
    );
  });
});

describe('failure summary', () => {
  const timings = [
    { step: 'preflight', host: '2 host(s)', ok: true },
    { step: 'switch web (zero-downtime)', host: 'd@h1:22', ok: true },
    { step: 'switch web (zero-downtime)', host: 'd@h2:22', ok: false },
  ];
  it('names the failed step and its host', () => {
    expect(failedStep(timings, new Error('x'))).toEqual({
      step: 'switch web (zero-downtime)',
      host: 'd@h2:22',
    });
    expect(
      failedStep([{ step: 'pull', host: '2 host(s)', ok: false }], new Error('d@h2:22 pull: failed')),
    ).toEqual({
      step: 'pull',
      host: 'd@h2:22',
    });
  });
  it('says which host serves what', () => {
    const serving = servingAfterFailure(['d@h1:22', 'd@h2:22'], timings, 'new', {
      id: 'old',
      image: 'reg/app@sha256:1',
    });
    expect(serving['d@h1:22']).toMatch(/^new /);
    expect(serving['d@h2:22']).toBe('old (reg/app@sha256:1), unchanged');
    const text = failureReport({
      kind: 'deploy',
      app: 'a',
      environment: 'prod',
      step: 'switch web',
      host: 'd@h2:22',
      error: 'did not turn healthy',
      logs: 'line 1\nline 2',
      serving,
    }).toString();
    expect(text).toMatch(/Deploy of a to prod FAILED/);
    expect(text).toMatch(/d@h2:22/);
    expect(text).toMatch(/line 2/);
  });
});
