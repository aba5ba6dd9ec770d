import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicEventId } from '../event-id.js';
import { NO_STREAM } from '../port.js';
import { createEmbeddedEventStore } from './index.js';
import { createPgliteDriver } from './pglite-driver.js';

const root = mkdtempSync(join(tmpdir(), 'gl-pglite-driver-'));
// Creating a data directory (initdb, in a child process) takes seconds, more on a busy machine.
const initTimeoutMs = 90_000;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('PGlite driver on a data directory', () => {
  it('creates a new directory (in a child process), then reopens it with what was written', async () => {
    const dataDir = join(root, 'fresh', 'event-store');
    const first = await createEmbeddedEventStore({ dataDir });
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    const metadata = { correlationId: 'corr-1', causationId: null, actor: 'driver-spec', recordedAt: '2026-11-24T12:00:00.000Z' };
    await first.appendToStream('budget-e1', [{ id: deterministicEventId('driver-spec/1'), type: 'Tested', schemaVersion: 1, data: { n: 1 }, metadata }], { expectedRevision: NO_STREAM });
    await first.close();

    const again = await createEmbeddedEventStore({ dataDir });
    const events = await again.readStream('budget-e1', { fromRevision: 0n, maxCount: 10 });
    await again.close();
    expect(events.map((e) => [e.type, e.data])).toEqual([['Tested', { n: 1 }]]);
  }, initTimeoutMs);

  it('sizes PostgreSQL page cache as asked, 64MB by default', async () => {
    const dataDir = join(root, 'sized');
    const small = await createPgliteDriver({ dataDir, sharedBuffersMb: 16 });
    expect(await small.query('show shared_buffers', [])).toEqual([{ shared_buffers: '16MB' }]);
    await small.close();
    const byDefault = await createPgliteDriver({ dataDir });
    expect(await byDefault.query('show shared_buffers', [])).toEqual([{ shared_buffers: '64MB' }]);
    await byDefault.close();
  }, initTimeoutMs);

  it('refuses a page cache that is not a whole number of megabytes', async () => {
    await expect(createPgliteDriver({ dataDir: 'memory://', sharedBuffersMb: 0 })).rejects.toThrow('whole number of megabytes');
    await expect(createPgliteDriver({ dataDir: 'memory://', sharedBuffersMb: 1.5 })).rejects.toThrow('whole number of megabytes');
  });

  it('names the directory when creating it fails', async () => {
    // A file where the directory's `base` folder must go: initdb cannot create it.
    const dataDir = join(root, 'blocked');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'base'), 'not a directory');
    await expect(createPgliteDriver({ dataDir })).rejects.toThrow(`initialising the embedded database in ${dataDir} failed`);
  }, initTimeoutMs);
});
