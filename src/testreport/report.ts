import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { Annotation, Logger } from '../core/logger.js';
import { Report } from '../core/report.js';
import { findFiles } from './files.js';
import { type JUnitReport, mergeReports, parseJUnit, type TestCase } from './junit.js';

export interface TestReportInputs {
  /** Glob patterns of JUnit XML files, relative to `workingDirectory`. */
  files: string[];
  workingDirectory: string;
  /** Workspace root, to make annotation paths repository-relative. */
  workspace: string;
  title: string;
  /** At most this many failure annotations (GitHub shows 10 per step, 50 per job). */
  limit: number;
  /** Fail when no JUnit file matches. */
  requireFiles: boolean;
}

export interface TestReportResult {
  report: Report;
  totals: JUnitReport['totals'];
  files: string[];
  annotated: number;
}

const ICON: Record<TestCase['status'], string> = { passed: '✅', failed: '❌', errored: '💥', skipped: '⏭️' };

function where(c: TestCase): string {
  return c.file ? `${c.file}${c.line ? `:${c.line}` : ''}` : c.classname || c.suite;
}

/** The job-summary report: totals, a per-file table, the failures with their details collapsed. */
export function renderReport(title: string, result: JUnitReport, files: string[]): Report {
  const { totals } = result;
  const bad = totals.failed + totals.errored;
  const report = new Report().heading(`${bad ? '❌' : '✅'} ${title}`);
  report.table(
    ['tests', 'passed', 'failed', 'errors', 'skipped', 'time'],
    [
      [
        totals.tests,
        totals.passed,
        totals.failed,
        totals.errored,
        totals.skipped,
        `${totals.seconds.toFixed(1)} s`,
      ],
    ],
  );
  const byFile = new Map<string, TestCase[]>();
  for (const c of result.cases) {
    const key = c.file ?? (c.classname || c.suite || '(unknown)');
    byFile.set(key, [...(byFile.get(key) ?? []), c]);
  }
  if (byFile.size > 1) {
    const rows = [...byFile.entries()]
      .map(([file, cs]) => {
        const n = (s: TestCase['status']) => cs.filter((c) => c.status === s).length;
        const failing = n('failed') + n('errored');
        return { failing, row: [failing ? '❌' : '✅', file, cs.length, n('passed'), failing, n('skipped')] };
      })
      .sort((a, b) => b.failing - a.failing);
    report.details(
      `Per file (${byFile.size})`,
      new Report()
        .table(
          ['', 'file', 'tests', 'passed', 'failed', 'skipped'],
          rows.map((r) => r.row),
        )
        .toString(),
    );
  }
  const failures = result.cases.filter((c) => c.status === 'failed' || c.status === 'errored');
  if (failures.length) {
    report.heading('Failures', 3);
    report.table(
      ['', 'test', 'where', 'message'],
      failures.map((c) => [
        ICON[c.status],
        c.suite && c.suite !== c.file ? `${c.suite} › ${c.name}` : c.name,
        where(c),
        (c.message ?? '').slice(0, 200),
      ]),
    );
    for (const c of failures.slice(0, 20)) {
      if (c.details) report.details(`${c.name}`, `\`\`\`\n${c.details.slice(0, 4000)}\n\`\`\``);
    }
  }
  report.text(`<sub>${files.length} JUnit file(s): ${files.map((f) => `\`${f}\``).join(', ')}</sub>`);
  return report;
}

export function annotationFor(c: TestCase): { message: string; annotation: Annotation } {
  const body = [
    c.message,
    c.details && c.details !== c.message ? c.details.split('\n').slice(0, 12).join('\n') : '',
  ]
    .filter(Boolean)
    .join('\n');
  return {
    message: body || `${c.status}: ${c.name}`,
    annotation: {
      title: `${c.status === 'errored' ? 'Error' : 'Failed'}: ${c.name}`.slice(0, 250),
      file: c.file,
      startLine: c.line,
    },
  };
}

export function runTestReport(inputs: TestReportInputs, logger: Logger): TestReportResult {
  const files = findFiles(inputs.files, inputs.workingDirectory);
  if (files.length === 0) {
    const problem = `no JUnit XML file matches ${inputs.files.map((f) => `'${f}'`).join(', ')} in ${inputs.workingDirectory}`;
    if (inputs.requireFiles) {
      throw new UserError(
        'input files',
        problem,
        'make the test command write JUnit XML there (e.g. vitest --reporter=junit --outputFile=…)',
      );
    }
    logger.warn(problem);
  }
  const parsed = files.map((f) => parseJUnit(readFileSync(f, 'utf8'), { workspace: inputs.workspace }));
  const result = mergeReports(parsed);
  const failures = result.cases.filter((c) => c.status === 'failed' || c.status === 'errored');
  const shown = failures.slice(0, inputs.limit);
  for (const c of shown) {
    const { message, annotation } = annotationFor(c);
    logger.error(message, annotation);
  }
  if (failures.length > shown.length) {
    logger.warn(`${failures.length - shown.length} more failure(s) are listed in the job summary only`);
  }
  const rel = files.map((f) => f.replace(`${inputs.workspace.replace(/\/$/, '')}/`, ''));
  const t = result.totals;
  logger.info(
    `${t.tests} tests: ${t.passed} passed, ${t.failed} failed, ${t.errored} errors, ${t.skipped} skipped`,
  );
  return {
    report: renderReport(inputs.title, result, rel),
    totals: result.totals,
    files: rel,
    annotated: shown.length,
  };
}
