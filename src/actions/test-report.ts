import { resolve } from 'node:path';
import * as input from '../github/inputs.js';
import { runAction } from '../github/run-action.js';
import { runTestReport, type TestReportInputs } from '../testreport/report.js';

runAction<TestReportInputs>({
  getInputs: () => {
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    return {
      files: input.list('files').length ? input.list('files') : ['**/junit*.xml'],
      workingDirectory: resolve(workspace, input.str('directory', { default: '.' })),
      workspace,
      title: input.str('title', { default: 'Tests' }),
      limit: input.int('limit', 10, { min: 0, max: 50 }),
      requireFiles: input.bool('strict', true),
    };
  },
  async main(inputs, ctx) {
    const result = runTestReport(inputs, ctx.logger);
    const t = result.totals;
    ctx.setOutput('total', t.tests);
    ctx.setOutput('passed', t.passed);
    ctx.setOutput('failed', t.failed + t.errored);
    ctx.setOutput('skipped', t.skipped);
    ctx.setOutput('files', JSON.stringify(result.files));
    await ctx.writeSummary(result.report);
  },
});
