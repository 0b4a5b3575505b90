import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = new URL('../../..', import.meta.url).pathname;
const APP = join(ROOT, 'example-app');
const TSX = join(APP, 'node_modules/.bin/tsx');
const run = promisify(execFile);

async function waitFor(
  url: string,
  proc: ChildProcess,
  log: () => string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${url}: process exited (${proc.exitCode}):\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function start(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): { proc: ChildProcess; log: () => string } {
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d) => {
    out = (out + d).slice(-20_000);
  });
  proc.stderr?.on('data', (d) => {
    out = (out + d).slice(-20_000);
  });
  return { proc, log: () => out };
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return res();
    proc.once('exit', () => res());
    proc.kill('SIGTERM');
  });
}

export interface ChromaServer {
  url: string;
  stop(): Promise<void>;
}

/** The real Chroma server from npm (`chroma run`), on its own data folder. */
export async function startChroma(port: number): Promise<ChromaServer> {
  const data = mkdtempSync(join(tmpdir(), 'ragship-eval-chroma-'));
  const { proc, log } = start(
    join(ROOT, 'node_modules/.bin/chroma'),
    ['run', '--path', data, '--port', String(port)],
    {},
    ROOT,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/v2/heartbeat`, proc, log);
  return {
    url,
    stop: async () => {
      await stop(proc);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export interface AppServer {
  url: string;
  stop(): Promise<void>;
}

/** Loads the corpus into Chroma (migrate + ingest), the app's own commands. */
export async function ingestCorpus(chromaUrl: string, collection: string): Promise<void> {
  const env = { ...process.env, CHROMA_URL: chromaUrl, CHROMA_COLLECTION: collection, LOG_LEVEL: 'warn' };
  await run(TSX, ['src/main.ts', 'migrate'], { cwd: APP, env });
  await run(TSX, ['src/main.ts', 'ingest', 'corpus'], { cwd: APP, env });
}

/** The example app in embedded mode (local embeddings, extractive answers, no keys). */
export async function startExampleApp(
  port: number,
  chromaUrl: string,
  collection: string,
  extraEnv: Record<string, string> = {},
): Promise<AppServer> {
  const { proc, log } = start(
    TSX,
    ['src/main.ts', 'serve'],
    {
      CHROMA_URL: chromaUrl,
      CHROMA_COLLECTION: collection,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ANSWER_MODE: 'extractive',
      RATE_LIMIT_MAX: '100000',
      ...extraEnv,
    },
    APP,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/ready`, proc, log);
  return { url, stop: () => stop(proc) };
}
