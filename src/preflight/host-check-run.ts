import type { Logger } from '../core/logger.js';
import { RemoteHost } from '../core/remote-host.js';
import { Report } from '../core/report.js';
import { jumpFor } from '../core/ssh-proxy.js';
import { parseHostSpec } from '../core/validate.js';
import { checkHost, type HostFacts } from './host-check.js';

export interface HostCheckInputs {
  /** user@host[:port] specs. */
  hosts: string[];
  sshPrivateKey: string;
  knownHosts: string;
  fingerprints: string[];
  connectTimeoutMs: number;
  /** A jump host every connection goes through (user@host[:port]), its key verified fail-closed too. */
  sshProxy?: string;
}

export interface HostCheckResult {
  facts: HostFacts[];
  report: Report;
  connectionsOpened: number;
}

/** Connects to every host with a verified key and reports docker, compose and disk. */
export async function runHostCheck(inputs: HostCheckInputs, logger: Logger): Promise<HostCheckResult> {
  // Validate every host before opening any connection.
  const specs = inputs.hosts.map((h, i) => parseHostSpec(h, `hosts[${i}]`));
  const hostKeys = { knownHosts: inputs.knownHosts, fingerprints: inputs.fingerprints };
  const jump = jumpFor(inputs.sshProxy, {
    privateKey: inputs.sshPrivateKey,
    hostKeys,
    connectTimeoutMs: inputs.connectTimeoutMs,
  });
  const facts: HostFacts[] = [];
  let connectionsOpened = 0;
  for (const spec of specs) {
    const host = new RemoteHost({
      ...spec,
      privateKey: inputs.sshPrivateKey,
      hostKeys,
      connectTimeoutMs: inputs.connectTimeoutMs,
      jump,
      logger,
    });
    try {
      facts.push(await logger.group(`check ${host.label}`, () => checkHost(host, logger)));
    } finally {
      connectionsOpened += host.connectionsOpened;
      host.close();
    }
  }
  const report = new Report().heading('Host check').table(
    ['host', 'docker', 'compose', 'free disk'],
    facts.map((f) => [
      f.host,
      f.dockerVersion,
      `${f.compose.join(' ')} ${f.composeVersion}`,
      `${(f.freeDiskBytes / 2 ** 30).toFixed(1)} GiB`,
    ]),
  );
  return { facts, report, connectionsOpened };
}
