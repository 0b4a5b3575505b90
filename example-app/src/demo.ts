/**
 * `npm run demo`: the embedded mode end to end, no keys and no Docker. Starts Chroma from the
 * npm package on a free port with a temporary data dir, migrates, ingests the corpus, answers
 * a question and prints it. Pass a question as arguments to ask your own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { ingest, readCorpus } from './ingest.js';
import { migrate } from './migrations.js';
import { RagService } from './rag.js';
import { createRuntime } from './runtime.js';

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** Start `chroma run` from example-app's node_modules and wait for the heartbeat. */
export async function startChroma(
  port: number,
  dir: string,
): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const bin = join(APP_DIR, 'node_modules', '.bin', 'chroma');
  const proc = spawn(bin, ['run', '--path', dir, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`chroma exited (${proc.exitCode}):\n${out}`);
    try {
      const r = await fetch(`${url}/api/v2/heartbeat`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`chroma did not answer on ${url} within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = () =>
    new Promise<void>((res) => {
      if (proc.exitCode !== null) return res();
      proc.once('exit', () => res());
      proc.kill('SIGTERM');
    });
  return { url, proc, stop };
}

async function demo(): Promise<void> {
  const question = process.argv.slice(2).join(' ') || 'How long is the warranty on the Heron H1?';
  const data = mkdtempSync(join(tmpdir(), 'ragship-demo-chroma-'));
  const port = Number(process.env.DEMO_CHROMA_PORT) || (await freePort());
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`[demo] starting Chroma (npm) on 127.0.0.1:${port}, data in ${data}`);
  const chroma = await startChroma(port, data);
  try {
    const cfg = loadConfig({
      ...process.env,
      CHROMA_URL: chroma.url,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
    const rt = createRuntime(cfg);
    const m = await migrate({ ...rt, batchSize: Math.min(await rt.store.maxBatchSize(), 1000) });
    say(`[demo] migrations applied: ${m.ran.join(', ') || 'none'} (now at ${m.status.current})`);
    const docs = readCorpus(join(APP_DIR, 'corpus'));
    const tty = process.stdout.isTTY;
    const r = await ingest(rt.store, rt.embedder, docs, (p) => {
      if (tty || p.docsDone === p.docsTotal || p.docsDone % 5 === 0) {
        process.stdout.write(
          `${tty ? '\r' : ''}[demo] ingesting ${p.docsDone}/${p.docsTotal} documents, ${p.chunks} chunks${tty ? '' : '\n'}`,
        );
      }
    });
    say(
      `${tty ? '\n' : ''}[demo] ingested ${r.documents} documents as ${r.chunks} chunks (${rt.embedder.id})`,
    );
    const rag = new RagService(cfg, rt.store, rt.embedder, rt.llm, rt.metrics, rt.logger);
    const a = await rag.query(question);
    say(`\nQ: ${question}\nA: ${a.answer}\n`);
    say('sources:');
    for (const s of a.sources) say(`  ${s.score.toFixed(3)}  ${s.id}`);
    say(
      `\nmodel ${a.model}, tokens ${a.usage.totalTokens}, cost $${a.costUsd}, ` +
        `retrieval ${a.timings.retrievalMs} ms, generation ${a.timings.generationMs} ms, total ${a.timings.totalMs} ms`,
    );
  } finally {
    await chroma.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  demo().catch((e) => {
    process.stderr.write(`[demo] failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
