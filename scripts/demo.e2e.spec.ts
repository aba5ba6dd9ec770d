import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist, spawnService } from '../test/support/built-app.js';

/** `npm run demo` against the built all-in-one main (`npm start`): its exit status tells a good day from a bad one. */
const main = 'dist/apps/gesture-ledger/src/main.js';
const demo = 'dist/scripts/demo.js';
const jwtSecret = 'demo-script-secret-demo-script-secret-01';

beforeAll(() => {
  buildDist(main);
  buildDist(demo);
}, 300_000);

async function dayAgainst(serverEnv: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gl-demo-'));
  const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, JWT_SECRET: jwtSecret };
  const server = spawnService(main, { ...env, PORT: '0', LOG_LEVEL: 'warn', ...serverEnv });
  try {
    const [, url] = await server.waitFor(/running on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
    const day = spawnService(demo, { ...env, DEMO_URL: url!, DEMO_GESTURES: '40' });
    return { code: (await day.exited).code, output: day.output() };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('npm run demo', () => {
  it('exits 0 after a day whose every answer is one a correct day gets', async () => {
    const day = await dayAgainst({});
    expect({ code: day.code, failures: /NOT a good day[^]*/.exec(day.output)?.[0] ?? null }).toEqual({ code: 0, failures: null });
    expect(day.output).toMatch(/gesture granted/);
  }, 120_000);

  it('exits 1 and names the failed requests when the server turned requests away', async () => {
    // The demo's admin enrols 48 employees: past 40 requests it is answered 429.
    const day = await dayAgainst({ RATE_LIMIT_REQUESTS: '40' });
    expect(day.code).toBe(1);
    expect(day.output).toMatch(/NOT a good day: \d+ answers/);
    expect(day.output).toMatch(/POST \/budgets answered 429/);
  }, 120_000);
});
