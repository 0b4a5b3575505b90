// The example app's own unit tests (`npm test`): what the pr.yml template's test job runs on a
// copied app. Plain node:test through tsx, so the app needs no test framework.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkMarkdown, slugify } from '../src/chunking.js';
import { HashingEmbedder, tokenize } from '../src/embedding.js';
import { redactText } from '../src/redact.js';

describe('chunking', () => {
  it('splits markdown at headings, keeps the title and gives stable ids', () => {
    const md = '# Handbook\n\nIntro.\n\n## Refunds\n\nWithin 30 days.\n\n## Shipping\n\nTwo days.\n';
    const a = chunkMarkdown('handbook', md);
    const b = chunkMarkdown('handbook', md);
    assert.ok(a.length >= 2);
    assert.deepEqual(
      a.map((c) => c.id),
      b.map((c) => c.id),
    );
    assert.ok(a.some((c) => c.heading.includes('Refunds') && c.text.includes('Within 30 days')));
    assert.equal(new Set(a.map((c) => c.id)).size, a.length);
  });

  it('slugifies headings', () => {
    assert.equal(slugify('Returns & Refunds (EU)'), 'returns-refunds-eu');
  });
});

describe('hashing embedder', () => {
  it('is deterministic, normalised, and closer for related text', async () => {
    const e = new HashingEmbedder(256);
    const [a, a2, b, c] = await e.embed([
      'refund policy for damaged items',
      'refund policy for damaged items',
      'damaged items refund',
      'office opening hours on holidays',
    ]);
    assert.deepEqual(a, a2);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    assert.ok(Math.abs(dot(a!, a!) - 1) < 1e-9);
    assert.ok(dot(a!, b!) > dot(a!, c!));
    assert.deepEqual(tokenize('The Refunds'), ['refund']);
  });
});

describe('redaction', () => {
  it('masks secrets and e-mail addresses in logged text', () => {
    const out = redactText('api_key=sk-123 from jane@example.com');
    assert.ok(!out.includes('sk-123'));
    assert.ok(!out.includes('jane@example.com'));
  });
});
