import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenVerifier } from '#auth';
import { buildDist } from '../test/support/built-app.js';

/** `npm run token` as a developer runs it: what it prints must be a token the services accept, or nothing. */
const entry = 'dist/scripts/token.js';
const jwt = { hs256Secret: 'token-script-secret-token-script-0123', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const dataDir = mkdtempSync(join(tmpdir(), 'gl-token-'));

beforeAll(() => buildDist(entry), 300_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function token(...args: string[]) {
  const run = spawnSync(process.execPath, [entry, ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, JWT_SECRET: jwt.hs256Secret }, encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe('npm run token', () => {
  it('mints a token the services verify as the role, subject and store asked for', async () => {
    const run = token('--role', 'supervisor', '--sub', 'emp-7', '--store', 's-1');
    expect(run.code).toBe(0);
    expect(await new TokenVerifier(jwt).verify(run.stdout)).toEqual({ subject: 'emp-7', roles: ['supervisor'], storeId: 's-1' });
  });

  it.each([
    [['--role', 'associate', '--sub', 'emp 7'], /subject/],
    [['--role', 'associate', '--sub', 'emp-7', '--store', 's'.repeat(65)], /store/],
    [['--role', 'pos-system', '--sub', 'till-9'], /--store/],
    [['--role', 'associate', '--sub', 'emp-7', '--ttl', 'abc'], /--ttl/],
    [['--role', 'associate', '--sub', 'emp-7', '--ttl', '0'], /--ttl/],
    [['--role', 'associate', '--sub', 'emp-7', '--shop', 's-1'], /usage/],
  ])('refuses %j with one line saying why, and prints no token', (args, reason) => {
    const run = token(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
