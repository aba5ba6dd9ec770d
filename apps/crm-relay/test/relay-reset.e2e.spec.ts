import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresDriver, START } from '#event-store';
import { FileCheckpointStore, SqlCheckpointStore } from '#messaging';
import { withBackend } from '../../../libs/event-store/src/testing/infra.js';
import { buildDist } from '../../../test/support/built-app.js';

/** `npm run relay:reset` as an operator runs it after the broker came back empty. */
const entry = 'dist/apps/crm-relay/src/reset-main.js';
const dataDir = mkdtempSync(join(tmpdir(), 'gl-relay-reset-'));

beforeAll(() => buildDist(entry), 300_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function reset(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [entry], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe('npm run relay:reset', () => {
  it("deletes every checkpoint of the relay, of every shard layout, and nobody else's (embedded: files under DATA_DIR)", async () => {
    const files = new FileCheckpointStore(join(dataDir, 'checkpoints'));
    for (const name of ['crm-relay', 'crm-relay.shard-0-of-2', 'crm-relay.shard-1-of-2', 'crm-relay-eu']) await files.save(name, { commit: 9n, prepare: 9n });
    const run = reset({ CRM_RELAY_NAME: 'crm-relay' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ relay: 'crm-relay', forgotten: ['crm-relay', 'crm-relay.shard-0-of-2', 'crm-relay.shard-1-of-2'] });
    expect(await files.family('crm-relay')).toEqual([]);
    expect(await files.load('crm-relay-eu')).toEqual({ commit: 9n, prepare: 9n });
    expect(existsSync(join(dataDir, 'checkpoints', 'crm-relay.checkpoint'))).toBe(false);
  });

  withBackend('DATABASE_URL', 'relay:reset on PostgreSQL', (connectionString) => {
    it('refuses, deleting nothing, while a relay still holds one of the checkpoints; resets once it stopped', async () => {
      const relayName = `reset-${Date.now().toString(36)}-${process.pid}`;
      const running = await SqlCheckpointStore.open(createPostgresDriver({ connectionString, poolSize: 1 }), { leaseMs: 60_000 });
      try {
        for (const name of [relayName, `${relayName}.shard-1-of-2`]) {
          await running.claim(name);
          await running.save(name, { commit: 7n, prepare: 7n });
        }
        const refused = reset({ DATABASE_URL: connectionString, CRM_RELAY_NAME: relayName });
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(/still leased/);
        expect(await running.family(relayName)).toHaveLength(2);
        for (const name of [relayName, `${relayName}.shard-1-of-2`]) await running.release(name);
        const done = reset({ DATABASE_URL: connectionString, CRM_RELAY_NAME: relayName });
        expect(done.code).toBe(0);
        expect(await running.family(relayName)).toEqual([]);
        expect(await running.load(relayName)).toBe(START);
      } finally {
        await running.close();
      }
    });
  });
});
