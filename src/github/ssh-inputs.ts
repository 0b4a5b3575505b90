import type { InputReader } from '../core/input-reader.js';
import { sshHostInputs as read, type SshHostInputs } from '../preflight/ssh-host-inputs.js';
import { actionInputs } from './inputs.js';

export type { SshHostInputs };

/** Reads `hosts`, `ssh-private-key`, `known-hosts`, `host-fingerprints`, `connect-timeout-seconds`. */
export function sshHostInputs(r: InputReader = actionInputs): SshHostInputs {
  return read(r);
}
