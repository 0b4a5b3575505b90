import type OpenAI from 'openai';
import { tokenize } from './embedding.js';

export interface Passage {
  id: string;
  score: number;
  text: string;
  title: string;
  heading: string;
}

/**
 * Extractive answer: the sentences of the top passages that share the most content words with
 * the question, best first, each followed by its citation `[chunk-id]`. No model involved.
 */
export function extractiveAnswer(question: string, passages: Passage[], maxSentences = 2): string {
  if (passages.length === 0) return 'I could not find this in the handbook.';
  const q = new Set(tokenize(question));
  const scored: { s: string; id: string; score: number; order: number }[] = [];
  passages.forEach((p, rank) => {
    const body = p.text.split('\n\n').slice(1).join(' ').replace(/\s+/g, ' ');
    const sentences = body.match(/[^.!?]+(?:[.!?](?=\s|$)|$)/g) ?? [body];
    sentences.forEach((s, i) => {
      const words = tokenize(s);
      const overlap = new Set(words.filter((w) => q.has(w))).size;
      // Prefer higher-ranked passages on ties; a little weight to the passage's own score.
      scored.push({ s: s.trim(), id: p.id, score: overlap + p.score * 0.5 - rank * 0.01, order: i });
    });
  });
  scored.sort((a, b) => b.score - a.score);
  const picked = scored.filter((x) => x.s.length > 0).slice(0, maxSentences);
  return picked.map((x) => `${x.s} [${x.id}]`).join(' ');
}

export function ragMessages(question: string, passages: Passage[]): OpenAI.ChatCompletionMessageParam[] {
  const context = passages.map((p) => `[${p.id}]\n${p.text}`).join('\n\n---\n\n');
  return [
    {
      role: 'system',
      content:
        'You answer questions about the Northwind Robotics handbook using only the context. ' +
        'Cite every fact with the id of its passage in square brackets, e.g. [warranty#standard-warranty]. ' +
        'If the context does not contain the answer, say you do not know.',
    },
    { role: 'user', content: `Context:\n\n${context}\n\nQuestion: ${question}` },
  ];
}
