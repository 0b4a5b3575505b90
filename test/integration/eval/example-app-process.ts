import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Started, startProcess, stopProcess, waitForHttp } from '../../support/process.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const APP = join(ROOT, 'example-app');
const TSX = join(APP, 'node_modules/.bin/tsx');
const run = promisify(execFile);

export interface ChromaServer {
  url: string;
  stop(): Promise<void>;
}

/** The real Chroma server from npm (`chroma run`), on its own data folder. */
export async function startChroma(port: number): Promise<ChromaServer> {
  const data = mkdtempSync(join(tmpdir(), 'ragship-eval-chroma-'));
  const p = startProcess(
    join(ROOT, 'node_modules/.bin/chroma'),
    ['run', '--path', data, '--port', String(port)],
    {
      cwd: ROOT,
      env: process.env,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/v2/heartbeat`, p);
  return {
    url,
    stop: async () => {
      await stopProcess(p.proc);
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
  const p: Started = startProcess(TSX, ['src/main.ts', 'serve'], {
    cwd: APP,
    env: {
      ...process.env,
      CHROMA_URL: chromaUrl,
      CHROMA_COLLECTION: collection,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ANSWER_MODE: 'extractive',
      RATE_LIMIT_MAX: '100000',
      ...extraEnv,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/ready`, p);
  return { url, stop: () => stopProcess(p.proc) };
}
