/**
 * `npm run demo`: the ragship pipeline on the local sandbox (`bash scripts/sandbox up` first).
 *   sandbox check → build + push the example app (src/build, registry with auth)
 *   → deploy v1 (web role on the "cpu" SSH host, llm role with the LLM stand-in on the "gpu" host)
 *   → query through nginx → deploy v2 under load (failed/total) → the release log.
 * Flags: --keep leaves the deployed app running (http://127.0.0.1:18186/); --down removes it.
 */
import { ConsoleLogger } from '../src/core/logger.js';
import { runDeploy } from '../src/deploy/run.js';
import { listReleases } from '../src/rollback/run.js';
import {
  buildAndPush,
  cleanupApp,
  inputsFor,
  pushStandin,
  query,
  sandboxConfig,
} from '../test/e2e/deploy/example-app.js';
import { startLoad } from '../test/integration/deploy/fixture.js';
import { connectSandboxHost, sandbox } from '../test/support/sandbox.js';

const APP = 'rsdemo';
const PORT = 18186;
const out = (line = '') => process.stdout.write(`${line}\n`);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
let n = 0;
const stage = (title: string) => out(`\n${bold(`[${++n}/6] ${title}`)}`);

async function checkSandbox(): Promise<void> {
  const sb = sandbox();
  const r = await fetch(`http://${sb.registry.host}/v2/`).catch((e: Error) => e);
  if (r instanceof Error || r.status !== 401)
    throw new Error(
      `registry at ${sb.registry.host} is not answering with auth: run \`bash scripts/sandbox up\``,
    );
  out(`  registry ${sb.registry.host} (auth on)`);
  for (const name of ['cpu', 'gpu'] as const) {
    const h = connectSandboxHost(name);
    try {
      const v = await h.exec(['docker-compose', 'version', '--short']);
      out(`  ${name} host ${h.label}: ssh ok (host key verified), docker-compose ${v.stdout.trim()}`);
    } finally {
      h.close();
    }
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--down')) {
    await cleanupApp(APP);
    out(`removed the ${APP} demo deployment`);
    return;
  }
  const started = performance.now();
  const logger = new ConsoleLogger({ write: (l) => out(`    ${l}`) });
  stage('sandbox check');
  await checkSandbox();
  await cleanupApp(APP);

  stage('build + push the example app (v1, v2) with src/build');
  const images = await buildAndPush('rsdemo/example-app', ['demo-v1', 'demo-v2']);
  for (const [v, ref] of Object.entries(images)) out(`  ${v}: ${ref}`);
  const standin = await pushStandin('rsdemo/llm-standin');
  out(`  llm role image (stand-in for vLLM): ${standin}`);
  const d = sandboxConfig(APP, PORT, standin);

  stage('deploy v1 (web: migrate → zero-downtime switch; llm: prefetch → recreate → 3-step health)');
  const v1 = await runDeploy({ ...inputsFor(d, images['demo-v1']!), actor: 'ragship-demo' }, { logger });
  out(`  release ${v1.releaseId}: healthy after ${(v1.timeToHealthyMs / 1000).toFixed(1)} s`);
  out(
    `  SSH connections: ${Object.entries(v1.connectionsPerHost)
      .map(([h, c]) => `${h} ${c}`)
      .join(', ')}`,
  );

  stage(`query through nginx (POST http://127.0.0.1:${PORT}/query)`);
  const question = 'How long is the warranty on a Kestrel K2?';
  const a = await query(PORT, question);
  out(`  Q: ${question}`);
  out(`  A: ${a.answer.replace(/\s+/g, ' ').slice(0, 400)}`);
  for (const s of a.sources.slice(0, 3))
    out(
      `     source: ${s.id ?? s.source ?? '?'}${s.score === undefined ? '' : ` (score ${s.score.toFixed(3)})`}`,
    );

  stage('deploy v2 under load (GET /health through nginx, 200 req/s target)');
  const load = startLoad(PORT, 200, '/health');
  await new Promise((r) => setTimeout(r, 1000));
  const v2 = await runDeploy({ ...inputsFor(d, images['demo-v2']!), actor: 'ragship-demo' }, { logger });
  await new Promise((r) => setTimeout(r, 500));
  const l = await load.stop();
  out(`  release ${v2.releaseId} (previous ${v2.previousReleaseId})`);
  out(bold(`  failed/total during the switch: ${l.failed}/${l.total} (${l.rps} req/s achieved)`));

  stage('release log (ragship releases --env staging)');
  const { report } = await listReleases(inputsFor(d, images['demo-v2']!), { logger: new ConsoleLogger() });
  out(report.toString());
  if (argv.includes('--keep'))
    out(`the demo keeps running at http://127.0.0.1:${PORT}/ (npm run demo -- --down)`);
  else {
    await cleanupApp(APP);
    out(
      `removed the demo deployment (npm run demo -- --keep leaves it running at http://127.0.0.1:${PORT}/)`,
    );
  }
  out(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (l.failed > 0) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(
    `\ndemo failed: ${err.message}\nwhat it deployed is left for inspection (http://127.0.0.1:${PORT}/); remove it with: npm run demo -- --down\n`,
  );
  process.exit(1);
});
