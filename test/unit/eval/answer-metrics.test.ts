import { describe, expect, it } from 'vitest';
import {
  containsAll,
  exactMatch,
  lcsLength,
  normalizeAnswer,
  normalizedMatch,
  regexMatch,
  rougeL,
  tokenF1,
} from '../../../src/eval/answer-metrics.js';

describe('answer metrics against hand-computed values', () => {
  it('normalises case, diacritics, punctuation, articles and thousands separators but keeps decimals', () => {
    expect(normalizeAnswer('  The Heron H1 costs USD 24,900!  ')).toBe('heron h1 costs usd 24900');
    expect(normalizeAnswer('Top speed: 2.0 m/s.')).toBe('top speed 2.0 m s');
    expect(normalizeAnswer('Tomás Herrera')).toBe('tomas herrera');
  });

  it('separates exact match (byte-equal after trim) from normalised match', () => {
    expect(exactMatch(' 24 months ', '24 months')).toBe(1);
    expect(exactMatch('24 Months.', '24 months')).toBe(0);
    expect(normalizedMatch('24 Months.', 'the 24 months')).toBe(1);
    expect(normalizedMatch('25 months', '24 months')).toBe(0);
  });

  it('contains needs every phrase on token boundaries; regex is case-insensitive', () => {
    expect(containsAll('The fee is 1.5% per month.', ['1.5%', 'per month'])).toBe(1);
    expect(containsAll('The fee is 1.5% per month.', ['1.5%', 'per year'])).toBe(0);
    // "15" must not match inside "150"
    expect(containsAll('payload of 150 kg', ['15'])).toBe(0);
    expect(regexMatch('Ships in 4 to 6 WEEKS', '4\\s*(to|-)\\s*6 weeks')).toBe(1);
    expect(regexMatch('Ships in 3 days', '4\\s*(to|-)\\s*6 weeks')).toBe(0);
  });

  it('token F1: 2 shared of 5 answer and 4 reference tokens = 2·0.4·0.5/0.9', () => {
    expect(tokenF1('The Heron H1 costs USD 24,900', 'USD 24,900 per robot')).toBeCloseTo(0.4 / 0.9, 12);
    expect(tokenF1('usd usd usd', 'usd')).toBeCloseTo((2 * (1 / 3) * 1) / (1 / 3 + 1), 12);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('something', '')).toBe(0);
    expect(tokenF1('alpha', 'beta')).toBe(0);
  });

  it('ROUGE-L: LCS 4 of 5 answer and 6 reference tokens = 2·0.8·(2/3)/(0.8+2/3)', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['b', 'd'])).toBe(2);
    const value = rougeL('the robot stops within 0.5 seconds', 'it stops the robot within 0.5 seconds');
    expect(value).toBeCloseTo((2 * 0.8 * (2 / 3)) / (0.8 + 2 / 3), 12);
    expect(value).toBeCloseTo(0.727273, 6);
    expect(rougeL('x y z', 'x y z')).toBe(1);
    expect(rougeL('x y z', 'q')).toBe(0);
  });
});
