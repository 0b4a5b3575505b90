#!/usr/bin/env node
import { resolve } from 'node:path';
import { chunkMarkdown } from './chunking.js';
import { ConfigError, loadConfig } from './config.js';
import { ingest, readCorpus } from './ingest.js';
import { migrate, migrationStatus } from './migrations.js';
import { RagService } from './rag.js';
import { createRuntime } from './runtime.js';
import { buildApp } from './server.js';
import { startTracing } from './tracing.js';

const USAGE = `usage: ragship-example-app <command>
  serve                 start the HTTP service (PORT, default 8080)
  migrate               apply pending migrations (exit 1 on failure, version unchanged)
  migrate --status      print applied/pending migrations as JSON
  ingest <dir>          chunk, embed and upsert every *.md in <dir> (progress on stderr)
  query <question>      answer one question and print the JSON response
  chunks <dir>          print the chunk ids of every *.md in <dir>
  healthcheck [--live]  exit 0 when GET /ready (or /health with --live) answers 200 (Docker HEALTHCHECK, no curl)
Configuration is read from environment variables; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (cmd === 'healthcheck') {
    await import('./healthcheck.js');
    return -1;
  }
  if (cmd === 'chunks') {
    for (const d of readCorpus(resolve(args[0] ?? 'corpus'))) {
      for (const c of chunkMarkdown(d.id, d.text)) process.stdout.write(`${c.id}\n`);
    }
    return 0;
  }
  if (!cmd || cmd === '--help' || cmd === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return cmd ? 0 : 2;
  }
  const cfg = loadConfig();
  const rt = createRuntime(cfg);
  const batchSize = () => rt.store.maxBatchSize().then((m) => Math.min(m, 1000));
  switch (cmd) {
    case 'serve': {
      // Before buildApp: the app adds its tracing hooks only when tracing is on.
      const tracing = await startTracing(rt.logger);
      const { app } = await buildApp(rt);
      const stop = async (signal: string) => {
        rt.logger.info({ signal }, 'shutting down: finishing in-flight requests');
        await app.close();
        if (tracing) {
          // Bounded: a dead or slow collector never holds up the stop (stop_grace_period).
          const flush = await tracing.shutdown(cfg.TRACING_SHUTDOWN_TIMEOUT_MS);
          rt.logger.info({ flush }, 'traces flushed');
        }
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
      await app.listen({ port: cfg.PORT, host: cfg.HOST });
      return -1;
    }
    case 'migrate': {
      if (args.includes('--status')) {
        process.stdout.write(`${JSON.stringify(await migrationStatus(rt.store), null, 2)}\n`);
        return 0;
      }
      const r = await migrate({ ...rt, batchSize: await batchSize() });
      process.stdout.write(
        `${JSON.stringify({ ran: r.ran, current: r.status.current, expected: r.status.expected })}\n`,
      );
      return 0;
    }
    case 'ingest': {
      const dir = resolve(args[0] ?? 'corpus');
      const docs = readCorpus(dir);
      rt.store.forget();
      const r = await ingest(rt.store, rt.embedder, docs, (p) =>
        process.stderr.write(`[ingest] ${p.docsDone}/${p.docsTotal} ${p.doc} (${p.chunks} chunks so far)\n`),
      );
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    case 'query': {
      const rag = new RagService(cfg, rt.store, rt.embedder, rt.llm, rt.metrics, rt.logger);
      const r = await rag.query(args.join(' '));
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command: ${cmd}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
