import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { asUserError, ConfigError, errorDocument, exitCodeOf, isUserError } from '../core/errors.js';
import { ConsoleLogger, type Logger } from '../core/logger.js';
import { secrets } from '../core/redact.js';
import { refuseOptionLikeValues } from './options.js';
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
  const json = () => ctx?.json ?? argv.includes('--json');
  const fail = (err: unknown, code: number): number => {
    if (json())
      process.stdout.write(
        `${secrets.redact(JSON.stringify({ ok: false, error: { ...errorDocument(err), exitCode: code } }))}\n`,
      );
    return code;
  };
  try {
    refuseOptionLikeValues(program, argv);
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (caught) {
    if (caught instanceof CommanderError) {
      // Commander already printed its message (and the help) on stderr.
      if (caught.exitCode === 0) return EXIT.ok;
      return fail(new ConfigError('usage', caught.message.replace(/^error: /, ''), 'see --help'), EXIT.usage);
    }
    const err = asUserError(caught, 'cli');
    const logger = ctx?.logger ?? new ConsoleLogger({ json: json() });
    if (isUserError(err)) {
      logger.error(err.message);
      return fail(err, exitCodeOf(err));
    }
    logger.error(`ragship bug: ${(err as Error)?.stack ?? String(err)}`);
    return fail(err, EXIT.failure);
  }
}
