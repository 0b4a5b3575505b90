import type { Logger } from '../core/logger.js';
import { type ExecInputs, type ExecResult, runExec } from '../operate/exec.js';

/**
 * `ragship exec -i/-it`: the command gets this process's stdin (until it ends) and its output
 * as it comes. With -t and a terminal on stdin, the terminal is put in raw mode (keys, Ctrl-C and
 * Ctrl-D go to the remote command, as with `ssh -t`) and restored however the command ends;
 * the remote pty follows the local window's size.
 */
export async function runInteractiveExec(inputs: ExecInputs, logger: Logger): Promise<ExecResult> {
  const stdin = process.stdin;
  const raw = !!inputs.tty && stdin.isTTY;
  if (raw) stdin.setRawMode(true);
  const resizers: (() => void)[] = [];
  const onResize = () => {
    for (const fn of resizers) fn();
  };
  process.stdout.on('resize', onResize);
  try {
    return await runExec(inputs, {
      logger,
      stdout: (line) => process.stdout.write(`${line}\n`),
      stderr: (line) => process.stderr.write(`${line}\n`),
      io: {
        stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        size: () => ({
          rows: process.stdout.rows || 24,
          cols: process.stdout.columns || 80,
          term: process.env.TERM || 'xterm-256color',
        }),
        onResize: (fn) => resizers.push(fn),
      },
    });
  } finally {
    process.stdout.off('resize', onResize);
    if (raw) stdin.setRawMode(false);
    // The remote side ended: stop reading stdin so the process can exit.
    stdin.destroy();
  }
}
