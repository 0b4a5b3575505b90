import type { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { parseRole } from '../operate/flags.js';
import { connection, sshOptions } from './deploy.js';
import type { CliContext } from './program.js';

/** --acme-directory: an https URL, checked before any host is touched. */
function parseDirectory(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:')
    throw new ConfigError(
      '--acme-directory',
      `${JSON.stringify(value)} is not an https URL`,
      "give the CA's ACME directory, e.g. https://acme-staging-v02.api.letsencrypt.org/directory",
    );
  return url.href;
}

/** `ragship tls renew`: automatic TLS through the managed nginx (docs/guides/deploy.md). */
export function registerTls(program: Command, ctx: () => CliContext): void {
  const tls = program
    .command('tls')
    .description('automatic TLS certificates (ACME HTTP-01) through the managed nginx');
  sshOptions(
    tls
      .command('renew')
      .description(
        'obtain or renew the certificates of every role with proxy.tls.acme; keeps a certificate that is still good',
      ),
  )
    .option('--role <name>', 'only this role')
    .option('--force', 'issue a new certificate even if the installed one is still good')
    .option(
      '--acme-directory <url>',
      'ACME directory URL instead of proxy.tls.acme.directory (e.g. a staging CA)',
    )
    .option(
      '--acme-ca-file <path>',
      "PEM of the CA that signs the ACME server's own HTTPS certificate (private CAs)",
    )
    .action(async (opts) => {
      const flags = {
        role: parseRole(opts.role),
        force: !!opts.force,
        directory: parseDirectory(opts.acmeDirectory),
        acmeCaFile: opts.acmeCaFile as string | undefined,
      };
      const { logger, print } = ctx();
      // The ACME client, its crypto and SSH load only for this verb (CLI start-up time).
      const { runTlsRenew } = await import('../tls/renew.js');
      const { report, ...rest } = await runTlsRenew({ ...connection(opts), ...flags }, { logger });
      print(rest, report.toString());
    });
}
