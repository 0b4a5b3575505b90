import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, isUserError } from '../core/errors.js';
import { ConsoleLogger, type Logger } from '../core/logger.js';
import { secrets } from '../core/redact.js';
import { registerCapabilities } from './verbs.js';

/** Exit codes: 0 ok, 1 failure, 2 usage or configuration error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface CliContext {
  logger: Logger;
  json: boolean;
  /** Prints a result: JSON with --json, text otherwise. */
  print(value: unknown, text?: string): void;
}

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(getContext: () => CliContext): Command {
  const program = new Command('ragship')
    .description('Ship an LLM/RAG app: eval gate, build, SSH + compose deploys, rollback, verified backups')
    .version(version())
    .option('--json', 'machine-readable output (one JSON document on stdout, JSON log lines on stderr)')
    .option('--debug', 'verbose logs (secrets stay masked)')
    .exitOverride()
    .showHelpAfterError();
  registerCapabilities(program, getContext);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let ctx: CliContext | undefined;
  const program = buildProgram(() => {
    if (!ctx) {
      const opts = program.opts<{ json?: boolean; debug?: boolean }>();
      const logger = new ConsoleLogger({
        json: !!opts.json,
        debug: !!opts.debug || process.env.RAGSHIP_DEBUG === '1',
      });
      ctx = {
        logger,
        json: !!opts.json,
        print(value, text) {
          process.stdout.write(
            opts.json
              ? `${secrets.redact(JSON.stringify(value, null, 2))}\n`
              : `${secrets.redact(text ?? String(value))}\n`,
          );
        },
      };
    }
    return ctx;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const logger = ctx?.logger ?? new ConsoleLogger();
    if (isUserError(err)) {
      logger.error(err.message);
      return err instanceof ConfigError ? EXIT.usage : EXIT.failure;
    }
    logger.error(`ragship bug: ${(err as Error)?.stack ?? String(err)}`);
    return EXIT.failure;
  }
}
