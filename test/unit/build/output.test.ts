import { describe, expect, test } from 'vitest';
import {
  cacheStats,
  classifyLoginError,
  describeBuildFailure,
  parseMetadataDigest,
  parsePushDigest,
} from '../../../src/build/build-output.js';

const LEGACY_FAIL = `Step 1/5 : ARG NODE_IMAGE=node:20
Step 2/5 : FROM \${NODE_IMAGE} AS build
 ---> 77f28d38a7fb
Step 3/5 : WORKDIR /src
 ---> Using cache
 ---> acaf411f3aa4
Step 4/5 : RUN echo "compiling" && echo "error: missing module ./nowhere" >&2 && exit 3
 ---> Running in a1071c22e323
\x1b[91merror: missing module ./nowhere
\x1b[0mcompiling
The command '/bin/sh -c echo "compiling" && echo "error: missing module ./nowhere" >&2 && exit 3' returned a non-zero code: 3`;

const BUILDX_FAIL = `#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s
#5 [build 1/3] FROM docker.io/library/node:20
#5 CACHED
#6 [build 2/3] WORKDIR /src
#6 CACHED
#7 [build 3/3] RUN npm ci
#7 0.412 npm error code E404
#7 0.413 npm error 404 Not Found - GET https://registry.npmjs.org/nope
#7 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1
------
 > [build 3/3] RUN npm ci:
0.412 npm error code E404
------
ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1`;

describe('describeBuildFailure names the failing step and its last lines', () => {
  test('legacy builder output (colour codes stripped)', () => {
    expect(describeBuildFailure(LEGACY_FAIL)).toEqual({
      step: 'Step 4/5 : RUN echo "compiling" && echo "error: missing module ./nowhere" >&2 && exit 3',
      error: `The command '/bin/sh -c echo "compiling" && echo "error: missing module ./nowhere" >&2 && exit 3' returned a non-zero code: 3`,
      lastLines: ['error: missing module ./nowhere', 'compiling'],
    });
  });
  test('buildx plain progress output', () => {
    expect(describeBuildFailure(BUILDX_FAIL)).toEqual({
      step: '[build 3/3] RUN npm ci',
      error:
        'ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1',
      lastLines: ['npm error code E404', 'npm error 404 Not Found - GET https://registry.npmjs.org/nope'],
    });
  });
});

describe('cacheStats counts layer-cache hits', () => {
  test.each([
    ['legacy: FROM/ARG are not counted', LEGACY_FAIL, { cached: 1, steps: 2 }],
    ['buildx: CACHED per step, internal steps ignored', BUILDX_FAIL, { cached: 2, steps: 3 }],
    ['nothing', '', { cached: 0, steps: 0 }],
  ])('%s', (_name, output, stats) => {
    expect(cacheStats(output)).toEqual(stats);
  });
});

describe('digests', () => {
  const d = `sha256:${'ab'.repeat(32)}`;
  test('from docker push output', () => {
    expect(parsePushDigest(`abc: Pushed\nmain: digest: ${d} size: 1782\n`)).toBe(d);
    expect(parsePushDigest('error')).toBeUndefined();
  });
  test('from the buildx metadata file', () => {
    expect(parseMetadataDigest(JSON.stringify({ 'containerimage.digest': d, 'image.name': 'x' }))).toBe(d);
    expect(parseMetadataDigest('{')).toBeUndefined();
    expect(parseMetadataDigest('{"containerimage.digest":"sha256:nothex"}')).toBeUndefined();
  });
});

describe('classifyLoginError', () => {
  test.each([
    [
      'Error response from daemon: Get "http://localhost:5000/v2/": unauthorized: authentication required',
      'unauthorized',
    ],
    [
      'Error response from daemon: login attempt to https://ghcr.io/v2/ failed with status: 401 Unauthorized',
      'unauthorized',
    ],
    [
      'Error response from daemon: Get "http://localhost:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      'unreachable',
    ],
    [
      'Error response from daemon: Get "https://nope.invalid/v2/": dial tcp: lookup nope.invalid: no such host',
      'unreachable',
    ],
    ['something else', 'other'],
  ])('%s → %s', (stderr, kind) => {
    expect(classifyLoginError(stderr)).toBe(kind);
  });
});
