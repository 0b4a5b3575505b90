/** Display helpers (pure; unit-tested). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(6).replace(/0+$/, '')}`;
  return `$${usd.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Splits an answer into text and `[doc#chunk]` citation parts, in order. */
export function citationParts(answer: string): Array<{ text: string; cite?: string }> {
  const parts: Array<{ text: string; cite?: string }> = [];
  const re = /\[([a-z0-9][a-z0-9-]*#[a-z0-9][a-z0-9-]*)\]/g;
  let last = 0;
  for (let m = re.exec(answer); m; m = re.exec(answer)) {
    if (m.index > last) parts.push({ text: answer.slice(last, m.index) });
    parts.push({ text: m[0], cite: m[1] });
    last = m.index + m[0].length;
  }
  if (last < answer.length) parts.push({ text: answer.slice(last) });
  return parts;
}
