import type { Command } from 'commander';
import { registerBackup } from './backup.js';
import { registerBuild } from './build.js';
import { registerConfig } from './config.js';
import { registerDeploy } from './deploy.js';
import { registerEval } from './eval.js';
import { registerHostCheck } from './host-check.js';
import { registerInit } from './init.js';
import { registerOperate } from './operate.js';
import { registerOps } from './ops.js';
import type { CliContext } from './program.js';
import { registerProvision } from './provision.js';
import { registerRollback } from './rollback.js';
import { registerTls } from './tls.js';

/** Each capability adds its verbs here; the order is the order of `ragship --help`. */
export function registerCapabilities(program: Command, ctx: () => CliContext): void {
  registerInit(program, ctx);
  registerConfig(program, ctx);
  registerHostCheck(program, ctx);
  registerProvision(program, ctx);
  registerBuild(program, ctx);
  registerEval(program, ctx);
  registerDeploy(program, ctx);
  registerRollback(program, ctx);
  registerOperate(program, ctx);
  registerTls(program, ctx);
  registerBackup(program, ctx);
  registerOps(program, ctx);
}
