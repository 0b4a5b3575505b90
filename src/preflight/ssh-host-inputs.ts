import type { InputReader } from '../core/input-reader.js';
import { readSshProxy } from '../core/ssh-proxy.js';

/** How a run reaches hosts given as inputs: what host-check and provision share, by the same names. */
export interface SshHostInputs {
  /** user@host[:port] specs. */
  hosts: string[];
  sshPrivateKey: string;
  knownHosts: string;
  fingerprints: string[];
  connectTimeoutMs: number;
  /** `ssh-proxy`: a jump host every connection goes through (user@host[:port]). */
  sshProxy?: string;
}

/**
 * Reads `hosts`, `ssh-private-key` (required, masked), `known-hosts`, `host-fingerprints`,
 * `connect-timeout-seconds` (1–300) — the same in the actions and the CLI.
 */
export function sshHostInputs(r: InputReader): SshHostInputs {
  const hosts = r.list('hosts');
  if (!hosts.length) r.str('hosts', { required: true, example: 'deploy@app1.example.com' });
  return {
    hosts,
    sshPrivateKey: r.privateKey('ssh-private-key', { required: true }),
    knownHosts: r.multiline('known-hosts'),
    fingerprints: r.list('host-fingerprints'),
    connectTimeoutMs: r.int('connect-timeout-seconds', 15, { min: 1, max: 300 }) * 1000,
    sshProxy: readSshProxy(r),
  };
}
