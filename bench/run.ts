/**
 * `npm run bench -- <name>`: imports bench/<name>.ts, awaits its exported `run()`, and writes
 * the result with the facts of the machine it ran on to bench/results/<name>.json (and stdout).
 * Numbers from a loaded or small machine are still numbers: the facts say which machine.
 */
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

const BENCH = new URL('.', import.meta.url).pathname;

function available(): string[] {
  return readdirSync(BENCH)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

export function machineFacts(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    date: new Date().toISOString(),
  };
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || !/^[a-z][a-z0-9-]{0,40}$/.test(name) || !available().includes(name)) {
    process.stderr.write(
      `${name ? `unknown benchmark ${JSON.stringify(name)}; ` : ''}usage: npm run bench -- <name>\navailable: ${available().join(', ')}\n`,
    );
    return 2;
  }
  const mod = (await import(join(BENCH, `${name}.ts`))) as { run?: () => Promise<unknown> };
  if (typeof mod.run !== 'function') {
    process.stderr.write(`bench/${name}.ts must export async function run()\n`);
    return 2;
  }
  const started = performance.now();
  const result = await mod.run();
  const record = {
    benchmark: name,
    ...(result && typeof result === 'object' && !Array.isArray(result) ? result : { result }),
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    machine: machineFacts(),
  };
  const dir = join(BENCH, 'results');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.json`);
  // Written whole, then renamed: a crashed run never leaves half a results file.
  writeFileSync(`${out}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  process.stderr.write(`wrote ${out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`benchmark failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
