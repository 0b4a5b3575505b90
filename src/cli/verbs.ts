import type { Command } from 'commander';
import type { CliContext } from './program.js';
import { registerHostCheck } from './host-check.js';
import { registerBuild } from './build.js';

/** Each capability adds its verbs here; the order is the order of `ragship --help`. */
export function registerCapabilities(program: Command, ctx: () => CliContext): void {
  registerHostCheck(program, ctx);
  registerBuild(program, ctx);
}
