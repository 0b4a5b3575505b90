import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeploy } from '../../../src/deploy/run.js';
import { sandboxHost } from '../../support/sandbox.js';
import { cleanup, deployInputs, fixtureConfig, fixtureImages, get, logger } from './fixture.js';

// Real parts: docker-compose 1.29 pulling from the sandbox registry on the "cpu" sshd host; the
// deploy's pull step reads the pull's own output (no --quiet) into the shared progress reporter.
const APP = 'rspull-it';
const PORT = 18791;
const config = fixtureConfig(APP, PORT);
let images: Record<string, string>;

beforeAll(async () => {
  await cleanup(APP);
  images = await fixtureImages(['v1']);
});
afterAll(() => cleanup(APP));

describe('deploy pull progress', () => {
  it('prints a progress line for each host it pulls on, naming the host, with what was pulled and how long', async () => {
    const l = logger();
    await runDeploy(deployInputs(config, images.v1!), { logger: l });
    expect((await get(PORT)).body).toContain('"version":"v1"');
    const cpu = sandboxHost('cpu');
    const key = `${cpu.user}@${cpu.host}:${cpu.port}`;
    // (lines inside the step's group are indented)
    const lines = l.lines.map((x) => x.trim()).filter((x) => x.startsWith(`${key} pull: `));
    const closing = lines.at(-1);
    // compose v1 reports images (service lines); compose v2 / docker report layers. Either way
    // everything asked for was pulled by the time the closing line is printed.
    const m = /^\S+ pull: (\d+) of (\d+) (image\(s\)|layers).* in \d+ (s|min \d+ s)$/.exec(closing ?? '');
    expect(m, `closing pull line for ${key} in:\n${l.lines.join('\n')}`).not.toBeNull();
    expect(Number(m![1])).toBe(Number(m![2]));
    expect(Number(m![2])).toBeGreaterThan(0);
    // one closing line per host (a single-host environment here)
    expect(l.lines.filter((x) => /^\s*\S+ pull: .* in \d+ /.test(x))).toHaveLength(1);
  });
});
