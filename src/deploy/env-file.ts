import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { validate } from '../core/validate.js';

/**
 * Secrets reach containers through a compose overlay (`services.<s>.environment`), not a dotenv
 * file: dotenv dialects differ between compose v1 (python-dotenv interpolates `${X}` even in
 * single quotes) and v2, while a YAML double-quoted scalar plus `$$` is read identically by both.
 * So newline, `$`, `#`, `=` and quotes are data and can never start another key.
 */
export function encodeValue(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

export function envOverlay(services: string[], env: Record<string, string>): string {
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    validate('envVar', k, `env ${k}`);
    environment[k] = encodeValue(v);
  }
  const doc = { services: Object.fromEntries(services.map((s) => [s, { environment }])) };
  // Double-quoted scalars everywhere: every control character is escaped.
  return stringify(doc, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
}

/**
 * Parses a dotenv block (the `env` input): KEY=value, KEY="with \n escapes", KEY='literal',
 * `#` comments and blank lines, optional `export `. Double-quoted values may span lines.
 */
export function parseDotenv(text: string, where = 'env'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^\s*(?:export\s+)?([^=\s]+)\s*=(.*)$/.exec(line);
    if (!m)
      throw new ConfigError(`${where} line ${i + 1}`, 'is not KEY=value', 'write one KEY=value per line');
    const key = validate('envVar', m[1], `${where} line ${i + 1}`);
    let rest = m[2]!.trimStart();
    let value: string;
    if (rest.startsWith('"')) {
      let body = rest.slice(1);
      while (!/(^|[^\\])(\\\\)*"\s*$/.test(body) && i + 1 < lines.length) body += `\n${lines[++i]}`;
      const end = body.replace(/\s*$/, '');
      if (!end.endsWith('"'))
        throw new ConfigError(`${where} ${key}`, 'has an unterminated double quote', 'close the quote');
      value = end.slice(0, -1).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
    } else if (rest.startsWith("'")) {
      let body = rest.slice(1);
      while (!/'\s*$/.test(body) && i + 1 < lines.length) body += `\n${lines[++i]}`;
      const end = body.replace(/\s*$/, '');
      if (!end.endsWith("'"))
        throw new ConfigError(`${where} ${key}`, 'has an unterminated single quote', 'close the quote');
      value = end.slice(0, -1);
    } else {
      rest = rest.replace(/\s+#.*$/, '');
      value = rest.trim();
    }
    out[key] = value;
  }
  return out;
}

export function sha256(text: string | Buffer): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
