import { queryHeaders, readConsent, saveConsent, USER_ID_KEY } from './consent.js';
import { citationParts, formatMs, formatUsd } from './format.js';
import { SseParser } from './sse.js';
import './style.css';

interface Source {
  id: string;
  score: number;
  title: string;
  heading: string;
  text: string;
}
interface QueryResponse {
  answer: string;
  sources: Source[];
  model: string;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  costUsd: number;
  cached: boolean;
  timings: { retrievalMs: number; generationMs: number; totalMs: number };
  disclaimer?: { topic: 'health' | 'finance'; text: string };
}

/** The build marker (vite.config.ts, WEB_BUILD). */
declare const __WEB_BUILD__: string;
document.documentElement.dataset.build = __WEB_BUILD__;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const app = $<HTMLDivElement>('app');
const consent = $<HTMLDivElement>('consent');
const form = $<HTMLFormElement>('ask');
const question = $<HTMLTextAreaElement>('question');
const submit = $<HTMLButtonElement>('submit');
const status = $<HTMLParagraphElement>('status');
const result = $<HTMLElement>('result');
const answer = $<HTMLParagraphElement>('answer');
const disclaimer = $<HTMLDivElement>('disclaimer');
const meta = $<HTMLDListElement>('meta');
const sources = $<HTMLOListElement>('sources');

// ---------------------------------------------------------------- consent banner

function showConsent(): void {
  const uid = localStorage.getItem(USER_ID_KEY);
  const text = $<HTMLParagraphElement>('consent-text');
  text.querySelector('.uid')?.remove();
  if (uid) {
    const p = document.createElement('span');
    p.className = 'uid';
    p.textContent = ` Your pseudonymous id: ${uid}.`;
    text.append(p);
  }
  consent.hidden = false;
  // The page behind is inert (no focus, no clicks) until a choice is made.
  app.inert = true;
  app.setAttribute('aria-hidden', 'true');
  $<HTMLButtonElement>('consent-accept').focus();
}

function choose(statistics: boolean): void {
  saveConsent(localStorage, statistics, () => crypto.randomUUID());
  consent.hidden = true;
  app.inert = false;
  app.removeAttribute('aria-hidden');
  question.focus();
}

$<HTMLButtonElement>('consent-accept').addEventListener('click', () => choose(true));
$<HTMLButtonElement>('consent-reject').addEventListener('click', () => choose(false));
$<HTMLButtonElement>('privacy-settings').addEventListener('click', showConsent);
if (!readConsent(localStorage)) showConsent();

// ---------------------------------------------------------------- asking

question.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = question.value.trim();
  if (!q) {
    status.textContent = 'Please type a question first.';
    question.focus();
    return;
  }
  void ask(q);
});

async function ask(q: string): Promise<void> {
  submit.disabled = true;
  status.textContent = 'Searching the handbook…';
  result.hidden = false;
  answer.textContent = '';
  answer.setAttribute('aria-busy', 'true');
  disclaimer.hidden = true;
  meta.replaceChildren();
  sources.replaceChildren();
  const t0 = performance.now();
  let firstMs: number | undefined;
  try {
    const res = await fetch('/query', {
      method: 'POST',
      headers: queryHeaders(localStorage),
      body: JSON.stringify({ question: q, stream: true }),
    });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new Error(body.error ?? `the server answered ${res.status}`);
    }
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const ev of parser.push(value)) {
        const data = JSON.parse(ev.data);
        if (ev.event === 'delta') {
          firstMs ??= performance.now() - t0;
          answer.textContent += (data as { text: string }).text;
        } else if (ev.event === 'done') {
          render(data as QueryResponse, performance.now() - t0, firstMs);
        } else if (ev.event === 'error') {
          throw new Error((data as { error: string }).error);
        }
      }
    }
    status.textContent = 'Answer complete.';
  } catch (err) {
    status.textContent = `Sorry, that failed: ${(err as Error).message}. Please try again.`;
  } finally {
    answer.setAttribute('aria-busy', 'false');
    submit.disabled = false;
  }
}

function render(r: QueryResponse, clientMs: number, firstMs: number | undefined): void {
  answer.replaceChildren(
    ...citationParts(r.answer).map((p) => {
      if (!p.cite) return document.createTextNode(p.text);
      const a = document.createElement('a');
      a.href = `#src-${p.cite}`;
      a.className = 'cite';
      a.textContent = p.text;
      return a;
    }),
  );
  if (r.disclaimer) {
    disclaimer.hidden = false;
    disclaimer.dataset.topic = r.disclaimer.topic;
    disclaimer.replaceChildren(strong(`${r.disclaimer.topic === 'health' ? 'Health' : 'Finance'} notice: `));
    disclaimer.append(r.disclaimer.text);
  }
  const rows: Array<[string, string]> = [
    [
      'Latency',
      `${formatMs(clientMs)} total${firstMs !== undefined ? `, first text after ${formatMs(firstMs)}` : ''}`,
    ],
    [
      'Server time',
      `${formatMs(r.timings.totalMs)} (retrieval ${formatMs(r.timings.retrievalMs)}, generation ${formatMs(r.timings.generationMs)})`,
    ],
    ['Cost', `${formatUsd(r.costUsd)} (${r.usage.totalTokens} tokens)`],
    ['Model', `${r.model}${r.cached ? ' (cached answer)' : ''}`],
  ];
  meta.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dd.dataset.field = k.toLowerCase().replace(/ /g, '-');
      return [dt, dd];
    }),
  );
  sources.replaceChildren(
    ...r.sources.map((s) => {
      const li = document.createElement('li');
      li.id = `src-${s.id}`;
      li.tabIndex = -1;
      const title = strong([s.title, s.heading].filter(Boolean).join(' — ') || s.id);
      const small = document.createElement('span');
      small.className = 'source-id';
      small.textContent = ` ${s.id} · relevance ${s.score.toFixed(2)}`;
      const excerpt = document.createElement('p');
      excerpt.textContent = s.text.length > 280 ? `${s.text.slice(0, 280)}…` : s.text;
      li.append(title, small, excerpt);
      return li;
    }),
  );
}

function strong(text: string): HTMLElement {
  const b = document.createElement('strong');
  b.textContent = text;
  return b;
}
