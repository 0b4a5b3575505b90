/**
 * The one place where argv becomes a shell string (for commands run over SSH).
 * Every argument is single-quoted; a single quote inside becomes '\'' — POSIX sh
 * treats everything between single quotes literally, so no expansion can happen.
 */
export type Argv = readonly string[];

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quote(arg: string): string {
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** argv → one shell command line. */
export function commandLine(argv: Argv): string {
  if (argv.length === 0) throw new Error('commandLine: empty argv');
  return argv.map(quote).join(' ');
}

/** Commands joined so that the first failure stops the chain. */
export function and(...commands: Argv[]): string {
  return commands.map(commandLine).join(' && ');
}

/** A pipeline whose exit status is the first failing stage's (bash pipefail semantics via sh -c). */
export function pipe(...commands: Argv[]): string {
  return commands.map(commandLine).join(' | ');
}

/** Wraps a composed command so that it runs under `sh -c` with `set -e`. */
export function sh(script: string): Argv {
  return ['sh', '-c', `set -e; ${script}`];
}
