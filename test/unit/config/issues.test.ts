// ragship.yml problems in a person's words: misspelt keys get "did you mean", type errors say
// which type to write, environments are own keys only.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { knownKeysAt, suggestKey } from '../../../src/config/issues.js';
import { environmentOf, parseConfig } from '../../../src/config/load.js';
import { configSchema } from '../../../src/config/schema.js';

const BASE = readFileSync(new URL('../../../example-app/ragship.yml', import.meta.url), 'utf8');
const message = (text: string) => {
  try {
    parseConfig(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('unknown keys get "did you mean"', () => {
  test('a misspelt top-level key', () => {
    expect(message(BASE.replace('\nretain:', '\nretian:'))).toMatch(
      /retian: is not a known key — did you mean `retain`\?/,
    );
  });
  test('a misspelt key deep inside a role', () => {
    expect(message(BASE.replace('successes: 2', 'sucesses: 2'))).toMatch(
      /environments\.staging\.roles\.\w+\.health\.sucesses: is not a known key — did you mean `successes`\?/,
    );
  });
  test('a key with no close match lists the keys that are allowed', () => {
    expect(message(BASE.replace('\nretain:', '\nxyzzyplugh: 1\nretain:'))).toMatch(
      /xyzzyplugh: is not a known key — remove it; the keys here are .*`app`.*`environments`/,
    );
  });
  test('suggestions come from the schema at that path', () => {
    expect(knownKeysAt(configSchema, [])).toEqual(expect.arrayContaining(['app', 'environments', 'retain']));
    expect(suggestKey('enviroments', ['app', 'environments'])).toBe('environments');
    expect(suggestKey('registry_url', ['app', 'environments'])).toBeUndefined();
  });
});

describe('type errors say which type to use', () => {
  test('a quoted number', () => {
    expect(message(BASE.replace('retain: 5', 'retain: "5"'))).toBe(
      'ragship.yml retain: is a string ("5"), not a number — write a number without quotes, e.g. 0.5 or 8080',
    );
  });
  test('a string where a list belongs', () => {
    expect(
      message(
        BASE.replace('hosts: [deploy@web1.staging.northwind.example:22]', 'hosts: deploy@web1.example.com'),
      ),
    ).toMatch(/hosts: is a string \("deploy@web1\.example\.com"\), not a list — write a list/);
  });
  test('"add this key" only when the key is missing', () => {
    expect(message(BASE.replace(/^app: .*$/m, ''))).toMatch(
      /app: is missing \(a string is required\) — add `app:` with a string/,
    );
    expect(message(BASE.replace('retain: 5', 'retain: "5"'))).not.toMatch(/add /);
  });
});

describe('environments are own keys only', () => {
  const config = parseConfig(BASE);
  test.each(['__proto__', 'constructor', 'hasOwnProperty'])('%s is "not defined", not a crash', (name) => {
    expect(() => environmentOf(config, name)).toThrow(/is not defined in ragship.yml — use one of: /);
  });
});
