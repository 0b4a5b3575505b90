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
