import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { runIdentity } from '../deploy/action-support.js';
import {
  parseCommand,
  parseGrep,
  parseHost,
  parseReason,
  parseRole,
  parseService,
  parseSince,
  parseTail,
} from '../operate/flags.js';
import { connection, sshOptions } from './deploy.js';
import type { CliContext } from './program.js';

/** The day-2 verbs: status, logs, exec, lock, remove (docs/operate.md). */
export function registerOperate(program: Command, ctx: () => CliContext): void {
  const lock = program
    .command('lock')
    .description('the deploy lock of an environment: who holds it; free it when its run is gone');
  sshOptions(
    lock.command('status').description('who holds the deploy lock, since when, and whether it expired'),
  ).action(async (opts) => {
    const { logger, print } = ctx();
    const { runLockStatus } = await import('../operate/lock.js');
    const { report, ...rest } = await runLockStatus(connection(opts), { logger });
    print(rest, report.toString());
  });
  sshOptions(
    lock
      .command('release')
      .description(
        'free a lock whose run is gone (instead of waiting out its TTL); recorded on the host with the reason',
      ),
  )
    .option('--force', 'required: you checked that the holder no longer runs')
    .option('--reason <text>', 'required: why, kept in <deploy root>/lock-releases.jsonl')
    .action(async (opts) => {
      // Both flags are checked before the config, the key or any host is touched.
      const reason = parseReason(opts.reason);
      if (!opts.force)
        throw new ConfigError(
          '--force',
          'is required: freeing a lock lets another deploy run beside the holder if it still runs',
          'check that the holding run is gone (ragship lock status), then add --force',
        );
      const { logger, print } = ctx();
      const { runLockRelease } = await import('../operate/lock.js');
      const actor = process.env.GITHUB_ACTOR || userInfo().username;
      const { report, ...rest } = await runLockRelease({ ...connection(opts), reason, actor }, { logger });
      print(rest, report.toString());
    });

  sshOptions(
    program
      .command('status')
      .description(
        'what runs vs what the release log says (drift), container state/health/uptime/restarts, deploy lock, free disk; exit 3 on drift, 4 when unhealthy',
      ),
  )
    .option('--role <name>', 'only this role')
    .action(async (opts) => {
      const role = parseRole(opts.role);
      const { logger, print } = ctx();
      const { report, ...rest } = await (await import('../operate/status.js')).runStatus(
        { ...connection(opts), role },
        { logger },
      );
      print(rest, report.toString());
      process.exitCode = rest.exitCode;
    });

  sshOptions(
    program
      .command('logs')
      .description(
        'container logs of every host of the environment, prefixed by host and service, secrets masked',
      ),
  )
    .option('--role <name>', 'only this role')
    .option('--service <name>', 'only this compose service')
    .option('--host <host>', 'only this host (as in ragship.yml, or host[:port])')
    .option('--since <duration|time>', 'from this long ago (10m, 1h30m, 2d) or this RFC 3339 time')
    .option('--tail <lines|all>', `last lines per container (default 100 without --since)`)
    .option('--follow', 'keep streaming new lines until Ctrl-C')
    .option('--grep <regexp>', 'only lines matching this JavaScript regular expression')
    .action(async (opts) => {
      // Every flag is checked before the config, the key or any host is touched.
      const flags = {
        role: parseRole(opts.role),
        service: parseService(opts.service),
        host: parseHost(opts.host),
        since: parseSince(opts.since),
        tail: parseTail(opts.tail),
        grep: parseGrep(opts.grep),
        follow: !!opts.follow,
      };
      const { logger, json } = ctx();
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const r = await (await import('../operate/logs.js')).runLogs(
          { ...connection(opts), ...flags },
          {
            logger,
            signal: stop.signal,
            onLine: (l) =>
              process.stdout.write(json ? `${JSON.stringify(l)}\n` : `${l.host} ${l.source} | ${l.line}\n`),
          },
        );
        logger.debug(`${r.lines} line(s) from ${r.containers} container(s)`);
        if (r.failed.length) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  sshOptions(
    program
      .command('exec')
      .description(
        'run a command in a one-off container of the active release (its image and env), or --in-running; exits with the command’s status',
      ),
  )
    .option('--role <name>', 'role to run in (required when the environment has several)')
    .option('--host <host>', 'host to run on (default: the role’s first host)')
    .option('--service <name>', 'compose service whose image and env to use (default: the role’s service)')
    .option('--in-running', 'run inside the running container (docker exec) instead of a one-off container')
    .option('-i, --interactive', 'pipe stdin to the command until it ends (like docker exec -i)')
    .option('-t, --tty', 'with -i: a terminal on the host and in the container, keys passed raw (-it)')
    .argument('<command...>', 'the command and its arguments, after -- (passed verbatim, no shell)')
    .action(async (command: string[], opts) => {
      const flags = {
        role: parseRole(opts.role),
        host: parseHost(opts.host),
        service: parseService(opts.service),
        command: parseCommand(command),
        inRunning: !!opts.inRunning,
        interactive: !!opts.interactive,
        tty: !!opts.tty,
      };
      if (flags.tty && !flags.interactive)
        throw new ConfigError('-t', 'needs -i (a terminal without stdin cannot be typed into)', 'use -it');
      const { logger, json, print } = ctx();
      if (flags.interactive) {
        const r = await (await import('./exec-interactive.js')).runInteractiveExec(
          { ...connection(opts), ...flags },
          logger,
        );
        if (json) print(r);
        process.exitCode = r.exitCode ?? 1;
        return;
      }
      // With --json stdout carries one JSON document: the command's output goes to stderr.
      const r = await (await import('../operate/exec.js')).runExec(
        { ...connection(opts), ...flags },
        {
          logger,
          stdout: (line) => (json ? process.stderr : process.stdout).write(`${line}\n`),
          stderr: (line) => process.stderr.write(`${line}\n`),
        },
      );
      if (json) print(r);
      process.exitCode = r.exitCode ?? 1;
    });

  sshOptions(
    program
      .command('remove')
      .description(
        'take an environment (or one role) off its hosts: compose project down, release folders and lock removed, recorded in the release log; volumes only with --volumes',
      ),
  )
    .option('--role <name>', 'only this role (default: the whole environment)')
    .option('--volumes', 'also delete the named volumes (vector DB data, model cache): needs --confirm')
    .option('--confirm <app-env>', 'with --volumes: type <app>-<environment> (asked for on a terminal)')
    .action(async (opts) => {
      const role = parseRole(opts.role);
      const { logger, print } = ctx();
      const conn = connection(opts);
      let confirm: string | undefined = opts.confirm;
      const { checkConfirmation, confirmationOf, runRemove } = await import('../operate/remove.js');
      if (opts.volumes && confirm === undefined && process.stdin.isTTY && process.stderr.isTTY) {
        const { createInterface } = await import('node:readline/promises');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          confirm = await rl.question(
            `--volumes deletes the data volumes of ${conn.config.app} ${conn.environment} for good. Type ${confirmationOf(conn.config.app, conn.environment)} to go on: `,
          );
        } finally {
          rl.close();
        }
      }
      checkConfirmation({ ...conn, volumes: !!opts.volumes, confirm: confirm?.trim() });
      const { report, ...rest } = await runRemove(
        { ...conn, ...runIdentity(), role, volumes: !!opts.volumes, confirm: confirm?.trim() },
        { logger },
      );
      print(rest, report.toString());
    });
}
