import * as input from './inputs.js';

/** How an action reaches its hosts: the inputs host-check and provision share, by the same names. */
export interface SshHostInputs {
  /** user@host[:port] specs. */
  hosts: string[];
  sshPrivateKey: string;
  knownHosts: string;
  fingerprints: string[];
  connectTimeoutMs: number;
}

/** Reads `hosts`, `ssh-private-key` (required, masked), `known-hosts`, `host-fingerprints`, `connect-timeout-seconds`. */
export function sshHostInputs(): SshHostInputs {
  return {
    hosts: input.list('hosts'),
    sshPrivateKey: input.secret('ssh-private-key', { required: true }),
    knownHosts: input.multiline('known-hosts'),
    fingerprints: input.list('host-fingerprints'),
    connectTimeoutMs: input.int('connect-timeout-seconds', 15, { min: 1, max: 300 }) * 1000,
  };
}
