// The SSH implementation of the Host port (src/core/host.ts), split by concern under ssh/.
// Kept as the import path every capability already uses.
export type { RemoteExecOptions } from './host.js';
export type { RemoteHostOptions } from './ssh/connect.js';
export { RemoteHost } from './ssh/remote-host.js';
