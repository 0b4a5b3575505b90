import { createHash } from 'node:crypto';
import type { Llm } from './llm.js';

export interface Embedder {
  /** Recorded in the collection metadata; a change means re-embedding (migration). */
  readonly id: string;
  embed(texts: string[]): Promise<number[][]>;
}

const STOPWORDS = new Set(
  'a an and are as at be by can do does for from has have how i if in is it its me my of on or our per that the their them then there these this to was what when where which who why will with you your'.split(
    ' ',
  ),
);

/** Lower-case word tokens with a light plural stem, stopwords removed. */
export function tokenize(text: string): string[] {
  const words = text
    .normalize('NFKD')
    .toLowerCase()
    .match(/[a-z0-9]+(?:[.,][0-9]+)*/g);
  if (!words) return [];
  return words.filter((w) => !STOPWORDS.has(w)).map(stem);
}

function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('es') && /(ch|sh|x|ss)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/**
 * Deterministic feature hashing ("hash-v1"): word unigrams (weight 1) and bigrams (weight 0.5)
 * of `tokenize(text)`, each hashed with the first 4 bytes of SHA-1 into `dim` buckets with a
 * sign bit, term frequency damped with 1+log(tf), then L2-normalised. Same text, same vector,
 * on every machine; needs no model, key or network.
 */
export class HashingEmbedder implements Embedder {
  readonly id: string;
  constructor(readonly dim = 1024) {
    this.id = `hash-v1-${dim}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedOne(t));
  }

  embedOne(text: string): number[] {
    const tokens = tokenize(text);
    const tf = new Map<string, number>();
    const add = (f: string, w: number) => tf.set(f, (tf.get(f) ?? 0) + w);
    for (let i = 0; i < tokens.length; i++) {
      add(`u:${tokens[i]}`, 1);
      if (i + 1 < tokens.length) add(`b:${tokens[i]} ${tokens[i + 1]}`, 0.5);
    }
    const v = new Array<number>(this.dim).fill(0);
    for (const [f, w] of tf) {
      const h = createHash('sha1').update(f).digest().readUInt32BE(0);
      const i = h % this.dim;
      v[i] = (v[i] ?? 0) + (h & 0x80000000 ? -1 : 1) * (1 + Math.log(w));
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  }
}

/** Embeddings from the OpenAI-compatible endpoints (same fallback list as generation). */
export class RemoteEmbedder implements Embedder {
  readonly id: string;
  constructor(
    private readonly llm: Llm,
    private readonly model: string,
  ) {
    this.id = `openai-${model}`;
  }
  embed(texts: string[]): Promise<number[][]> {
    return this.llm.embed(this.model, texts);
  }
}
