import { describe, expect, it } from 'vitest';
import { costReport, parsePrometheusText, summariseCost } from '../../../src/ops/cost.js';
import { isProductionName, sleepArgs } from '../../../src/ops/sleep.js';

const scrape = (cost: number, tokens: number) => `# HELP llm_cost_usd_total LLM cost
# TYPE llm_cost_usd_total counter
llm_cost_usd_total{model="gpt-4o-mini",user="alice",feature="web-chat"} ${cost}
llm_cost_usd_total{model="gpt-4o-mini",user="bob",feature="eval"} ${cost / 2}
llm_tokens_total{model="gpt-4o-mini",user="alice",feature="web-chat",type="prompt"} ${tokens}
llm_tokens_total{model="gpt-4o-mini",user="alice",feature="web-chat",type="completion"} ${tokens / 4}
rag_cache_hits_total 12
`;

describe('cost report from Prometheus text', () => {
  it('parses labels (with escapes) and values', () => {
    const s = parsePrometheusText('m{a="x\\"y",b="z"} 1.5\n# c\nn 2');
    expect(s).toEqual([
      { name: 'm', labels: { a: 'x"y', b: 'z' }, value: 1.5 },
      { name: 'n', labels: {}, value: 2 },
    ]);
  });

  it('sums USD and tokens per user, feature and model, most expensive first', () => {
    const s = summariseCost(parsePrometheusText(scrape(2, 1000)));
    expect(s.totalUsd).toBeCloseTo(3);
    expect(s.totalTokens).toBe(1250);
    expect(s.byUser.map((r) => [r.key, r.costUsd])).toEqual([
      ['alice', 2],
      ['bob', 1],
    ]);
    expect(s.byFeature[0]).toMatchObject({ key: 'web-chat', promptTokens: 1000, completionTokens: 250 });
    expect(s.byModel).toHaveLength(1);
  });

  it('with a baseline reports the spend in between, and a counter reset counts from zero', () => {
    const before = parsePrometheusText(scrape(2, 1000));
    expect(summariseCost(parsePrometheusText(scrape(5, 3000)), before).totalUsd).toBeCloseTo(4.5);
    expect(summariseCost(parsePrometheusText(scrape(1, 100)), before).totalUsd).toBeCloseTo(1.5);
  });

  it('flags spend over the budget in the summary and the report', () => {
    const s = summariseCost(parsePrometheusText(scrape(20, 10)), [], 25);
    expect(s.overBudget).toBe(true);
    expect(costReport(s).toString()).toMatch(/over budget/);
    expect(summariseCost(parsePrometheusText(scrape(2, 10)), [], 25).overBudget).toBe(false);
  });
});

describe('sleep/wake rules', () => {
  it.each(['production', 'prod', 'Prod-EU', 'prod_us'])('%s counts as production', (e) =>
    expect(isProductionName(e)).toBe(true),
  );
  it.each(['dev', 'staging', 'preview-12', 'product-demo'])('%s does not', (e) =>
    expect(isProductionName(e)).toBe(false),
  );
  it('sleep stops and wake starts (never down: containers and volumes are kept)', () => {
    expect(sleepArgs('sleep')).toEqual(['stop']);
    expect(sleepArgs('wake')).toEqual(['start']);
  });
});
