import { describe, expect, test } from 'vitest';
import { parseSecretMount, rewriteForLegacy } from '../../../src/build/legacy-dockerfile.js';
import { ConfigError } from '../../../src/core/errors.js';

const url = (id: string) => `http://127.0.0.1:4000/TOKEN/${id}`;

describe('rewriteForLegacy: RUN --mount steps the legacy builder can run', () => {
  test('a cache mount is dropped, the step kept as is', () => {
    const r = rewriteForLegacy(
      'FROM x\nRUN --mount=type=cache,target=/root/.npm npm ci\nCMD ["node"]',
      [],
      url,
    );
    expect(r.dockerfile).toBe('FROM x\nRUN npm ci\nCMD ["node"]');
    expect(r).toMatchObject({ droppedCacheMounts: 1, rewrittenSteps: 1, secretIds: [] });
  });

  test('a secret mount fetches into /run/secrets/<id>, runs the step in a subshell, removes the file, keeps the exit status', () => {
    const r = rewriteForLegacy('FROM x\nRUN --mount=type=secret,id=npmrc npm ci', ['npmrc'], url);
    const run = r.dockerfile.split('\n')[1]!;
    expect(run).toMatch(/^RUN __ragship_fetch\(\) \{/);
    expect(run).toContain(
      'mkdir -p /run/secrets && (umask 077 && __ragship_fetch http://127.0.0.1:4000/TOKEN/npmrc > /run/secrets/npmrc) && chmod 0400 /run/secrets/npmrc || { rm -f /run/secrets/npmrc; exit 1; }',
    );
    expect(
      run.endsWith('; ( npm ci ); __ragship_status=$?; rm -f /run/secrets/npmrc; exit $__ragship_status'),
    ).toBe(true);
    expect(r.secretIds).toEqual(['npmrc']);
  });

  test('env= secrets are exported for the step only, target= and mode= respected, continuation lines joined', () => {
    const r = rewriteForLegacy(
      'FROM x\nRUN --mount=type=secret,id=tok,env=API_TOKEN \\\n    --mount=type=secret,id=cfg,target=/root/.npmrc,mode=0440 \\\n    # a comment inside\n    npm ci && \\\n    npm run build\nUSER node',
      ['tok', 'cfg'],
      url,
    );
    const [from, run, user] = r.dockerfile.split('\n');
    expect([from, user]).toEqual(['FROM x', 'USER node']);
    expect(run).toContain(
      'API_TOKEN="$(__ragship_fetch http://127.0.0.1:4000/TOKEN/tok)" || exit 1; export API_TOKEN',
    );
    expect(run).toContain('chmod 0440 /root/.npmrc');
    expect(run).toContain('( npm ci &&     npm run build )');
    expect(run).toContain('rm -f /root/.npmrc; exit $__ragship_status');
  });

  test('a secret that was not given leaves the step unchanged (BuildKit: file absent), unless required', () => {
    expect(
      rewriteForLegacy('RUN --mount=type=secret,id=x cat /run/secrets/x || true', [], url).dockerfile,
    ).toBe('RUN cat /run/secrets/x || true');
    expect(() => rewriteForLegacy('RUN --mount=type=secret,id=x,required=true make', [], url)).toThrow(
      /needs build secret "x"/,
    );
  });

  test('steps without --mount are untouched byte for byte', () => {
    const text = 'FROM x AS a\n# comment\nRUN echo a \\\n  && echo b\nCOPY . .\n';
    expect(rewriteForLegacy(text, [], url).dockerfile).toBe(text);
  });

  test.each([
    [
      'bind mounts cannot be emulated',
      'RUN --mount=type=bind,source=.,target=/src make',
      /type=bind cannot be emulated/,
    ],
    ['a mount without type is a bind mount', 'RUN --mount=target=/src make', /type=bind/],
    ['ssh mounts cannot be emulated', 'RUN --mount=type=ssh git clone x', /type=ssh/],
    [
      'RUN --network needs BuildKit',
      'RUN --network=none --mount=type=cache,target=/x make',
      /--network=none needs BuildKit/,
    ],
    ['exec form with a secret', 'RUN --mount=type=secret,id=a ["make"]', /exec form/],
    [
      'a target with shell characters',
      'RUN --mount=type=secret,id=a,target=/tmp/$(id) make',
      /not a plain absolute path/,
    ],
    [
      'an env name with shell characters',
      'RUN --mount=type=secret,id=a,env=A;id make',
      /not a variable name/,
    ],
  ])('%s → ConfigError', (_name, line, message) => {
    expect(() => rewriteForLegacy(`FROM x\n${line}`, ['a'], url)).toThrow(ConfigError);
    expect(() => rewriteForLegacy(`FROM x\n${line}`, ['a'], url)).toThrow(message);
  });

  test.each([
    [
      'type=secret,id=npmrc',
      { id: 'npmrc', target: '/run/secrets/npmrc', env: undefined, required: false, mode: '0400' },
    ],
    [
      'type=secret,target=/root/.npmrc',
      { id: '.npmrc', target: '/root/.npmrc', env: undefined, required: false, mode: '0400' },
    ],
    [
      'type=secret,id=t,env=TOKEN,required',
      { id: 't', target: undefined, env: 'TOKEN', required: true, mode: '0400' },
    ],
  ])('parseSecretMount(%j)', (spec, mount) => {
    expect(parseSecretMount(spec, 'Dockerfile')).toEqual(mount);
  });
});
