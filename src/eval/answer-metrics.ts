/**
 * Deterministic answer metrics. Normalisation follows the SQuAD convention: Unicode NFKD
 * without diacritics, lower case, punctuation dropped (a decimal point inside a number kept,
 * thousands separators removed: 24,900 → 24900), articles a/an/the removed, whitespace collapsed.
 */

export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/(\d),(?=\d{3}(?:\D|$))/g, '$1')
    .replace(/(\d)\.(?=\d)/g, '$1\u0000')
    .replace(/[^\p{L}\p{N}\s\u0000]/gu, ' ')
    .replace(/\u0000/g, '.')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function tokens(text: string): string[] {
  const n = normalizeAnswer(text);
  return n ? n.split(' ') : [];
}

export function exactMatch(answer: string, reference: string): number {
  return answer.trim() === reference.trim() ? 1 : 0;
}

export function normalizedMatch(answer: string, reference: string): number {
  return normalizeAnswer(answer) === normalizeAnswer(reference) ? 1 : 0;
}

/** 1 when every expected phrase occurs in the answer (both normalised), else 0. */
export function containsAll(answer: string, phrases: readonly string[]): number {
  const a = ` ${normalizeAnswer(answer)} `;
  return phrases.every((p) => a.includes(` ${normalizeAnswer(p)} `)) ? 1 : 0;
}

export function regexMatch(answer: string, pattern: string): number {
  return new RegExp(pattern, 'iu').test(answer) ? 1 : 0;
}

/** SQuAD token F1: multiset overlap of normalised tokens. Both empty → 1; one empty → 0. */
export function tokenF1(answer: string, reference: string): number {
  const a = tokens(answer);
  const r = tokens(reference);
  if (a.length === 0 || r.length === 0) return a.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of a) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / a.length;
  const recall = overlap / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export function lcsLength(a: readonly string[], b: readonly string[]): number {
  // One rolling row: O(|a|·|b|) time, O(|b|) memory.
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let prevDiag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = a[i - 1] === b[j - 1] ? prevDiag + 1 : Math.max(up, row[j - 1]!);
      prevDiag = up;
    }
  }
  return row[b.length]!;
}

/** ROUGE-L F1 (β = 1) on normalised tokens: LCS / |answer| and LCS / |reference|. */
export function rougeL(answer: string, reference: string): number {
  const a = tokens(answer);
  const r = tokens(reference);
  if (a.length === 0 || r.length === 0) return a.length === r.length ? 1 : 0;
  const lcs = lcsLength(a, r);
  if (lcs === 0) return 0;
  const p = lcs / a.length;
  const rec = lcs / r.length;
  return (2 * p * rec) / (p + rec);
}
