/**
 * JUnit XML → typed test results. JUnit has no single schema: vitest, jest-junit, pytest,
 * node:test and surefire all write slightly different shapes, so this reads the common core
 * (testsuite / testcase / failure | error | skipped) tolerantly and never needs a DOM.
 */

export type CaseStatus = 'passed' | 'failed' | 'errored' | 'skipped';

export interface TestCase {
  suite: string;
  name: string;
  classname: string;
  /** Source file when the reporter names one (attribute `file`, or a path-like classname). */
  file?: string;
  line?: number;
  status: CaseStatus;
  seconds: number;
  /** The failure/error `message` attribute, or the first line of its body. */
  message?: string;
  /** The failure/error body (stack, diff). */
  details?: string;
}

export interface JUnitReport {
  cases: TestCase[];
  /** Counts, including suites that declared errors without test cases (collection failures). */
  totals: {
    tests: number;
    passed: number;
    failed: number;
    errored: number;
    skipped: number;
    seconds: number;
  };
}

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** A small, non-validating XML reader: elements, attributes, text and CDATA. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  const attr = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    const top = stack[stack.length - 1]!;
    const [, cdata, closing, opening, attrText, selfClose, text] = m;
    if (cdata !== undefined) top.text += cdata;
    else if (text !== undefined) top.text += decodeEntities(text);
    else if (closing !== undefined) {
      const at = stack.map((e) => e.name).lastIndexOf(closing);
      if (at > 0) stack.length = at;
    } else if (opening !== undefined) {
      const el: XmlElement = { name: opening, attrs: {}, children: [], text: '' };
      for (let a = attr.exec(attrText ?? ''); a !== null; a = attr.exec(attrText ?? '')) {
        el.attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '');
      }
      attr.lastIndex = 0;
      top.children.push(el);
      if (!selfClose) stack.push(el);
    }
  }
  return root;
}

function* walk(el: XmlElement, name: string): Generator<XmlElement> {
  for (const child of el.children) {
    if (child.name === name) yield child;
    else yield* walk(child, name);
  }
}

const SOURCE_EXT = /\.(?:[cm]?[jt]sx?|py|go|rb|java|kt|rs|cs|php|swift)$/;

/** Finds `path:line` for `file` (or any source file) in a stack trace. */
export function locate(details: string, file?: string): { file?: string; line?: number } {
  const pattern =
    /((?:[A-Za-z]:)?[\w.@\-/\\]+\.(?:[cm]?[jt]sx?|py|go|rb|java|kt|rs|cs|php|swift))(?::|", line |\()(\d+)/g;
  let first: { file: string; line: number } | undefined;
  for (let m = pattern.exec(details); m !== null; m = pattern.exec(details)) {
    const hit = { file: m[1]!, line: Number(m[2]) };
    if (hit.file.includes('node_modules') || hit.file.startsWith('node:')) continue;
    if (file && (hit.file === file || hit.file.endsWith(`/${file}`) || file.endsWith(hit.file)))
      return { file, line: hit.line };
    first ??= hit;
  }
  return file ? { file } : (first ?? {});
}

function num(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** Relative to the workspace, with forward slashes — how annotations want a path. */
export function relativePath(path: string, workspace: string): string {
  let p = path.replace(/\\/g, '/');
  const ws = workspace.replace(/\\/g, '/').replace(/\/$/, '');
  if (ws && p.startsWith(`${ws}/`)) p = p.slice(ws.length + 1);
  return p.replace(/^\.\//, '');
}

export function parseJUnit(xml: string, options: { workspace?: string } = {}): JUnitReport {
  const workspace = options.workspace ?? '';
  const root = parseXml(xml);
  const cases: TestCase[] = [];
  let orphanErrors = 0;
  const suites = [...walk(root, 'testsuite')];
  const leafSuites = suites.length ? suites : [root];
  for (const suite of leafSuites) {
    const suiteName = suite.attrs.name ?? '';
    const direct = suite.children.filter((c) => c.name === 'testcase');
    for (const tc of direct) {
      const failure = tc.children.find((c) => c.name === 'failure');
      const error = tc.children.find((c) => c.name === 'error');
      const skipped = tc.children.find((c) => c.name === 'skipped');
      const problem = failure ?? error;
      const status: CaseStatus = failure ? 'failed' : error ? 'errored' : skipped ? 'skipped' : 'passed';
      const classname = tc.attrs.classname ?? '';
      const details = problem?.text.trim() || undefined;
      const declaredFile =
        tc.attrs.file ?? suite.attrs.file ?? (SOURCE_EXT.test(classname) ? classname : undefined);
      const found = details ? locate(details, declaredFile) : { file: declaredFile };
      const declaredLine = tc.attrs.line ? num(tc.attrs.line) : undefined;
      const file = found.file ? relativePath(found.file, workspace) : undefined;
      cases.push({
        suite: suiteName,
        name: tc.attrs.name ?? '(unnamed)',
        classname,
        file,
        line: found.line ?? declaredLine,
        status,
        seconds: num(tc.attrs.time),
        message: problem
          ? problem.attrs.message?.trim() || details?.split('\n')[0] || problem.attrs.type || status
          : undefined,
        details,
      });
    }
    // A suite that failed to load (syntax error, import error) reports errors but no cases.
    if (direct.length === 0 && num(suite.attrs.errors) + num(suite.attrs.failures) > 0) {
      orphanErrors++;
      cases.push({
        suite: suiteName,
        name: suiteName || '(suite)',
        classname: '',
        file: suite.attrs.file ? relativePath(suite.attrs.file, workspace) : undefined,
        status: 'errored',
        seconds: num(suite.attrs.time),
        message: 'the suite reported errors but no test cases (it may have failed to load)',
        details:
          suite.children
            .map((c) => c.text.trim())
            .filter(Boolean)
            .join('\n') || undefined,
      });
    }
  }
  const count = (s: CaseStatus) => cases.filter((c) => c.status === s).length;
  return {
    cases,
    totals: {
      tests: cases.length - orphanErrors,
      passed: count('passed'),
      failed: count('failed'),
      errored: count('errored'),
      skipped: count('skipped'),
      seconds: Math.round(cases.reduce((s, c) => s + c.seconds, 0) * 1000) / 1000,
    },
  };
}

export function mergeReports(reports: JUnitReport[]): JUnitReport {
  const cases = reports.flatMap((r) => r.cases);
  const sum = (k: keyof JUnitReport['totals']) => reports.reduce((s, r) => s + r.totals[k], 0);
  return {
    cases,
    totals: {
      tests: sum('tests'),
      passed: sum('passed'),
      failed: sum('failed'),
      errored: sum('errored'),
      skipped: sum('skipped'),
      seconds: Math.round(sum('seconds') * 1000) / 1000,
    },
  };
}
