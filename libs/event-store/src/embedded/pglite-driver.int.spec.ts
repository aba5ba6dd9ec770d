import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirectoryInUseError } from '../errors.js';
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

describe('one PGlite per data directory: a second one would write over the first one and lose acknowledged commits', () => {
  const lockOf = (dataDir: string) => join(dataDir, 'gesture-ledger.lock');
  const holderIn = (dataDir: string) => readFileSync(lockOf(dataDir), 'utf8').trim();

  it('refuses a second open in this process, naming the directory and the pid; opens it again once closed, and takes no lock in memory', async () => {
    const dataDir = join(root, 'opened-here');
    const first = await createPgliteDriver({ dataDir });
    expect(holderIn(dataDir)).toBe(String(process.pid));
    const second = await createPgliteDriver({ dataDir }).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(DataDirectoryInUseError);
    expect((second as Error).message).toBe(`the embedded database in ${dataDir} is already open in this process (pid ${process.pid}): open it once and share that instance (two PGlite instances on one data directory lose acknowledged commits)`);
    // The refused open left the lock as it was, and the first one working.
    expect(holderIn(dataDir)).toBe(String(process.pid));
    expect(await first.query('select 1 as n', [])).toEqual([{ n: 1 }]);
    await first.close();
    expect(existsSync(lockOf(dataDir))).toBe(false);

    const again = await createPgliteDriver({ dataDir });
    expect(holderIn(dataDir)).toBe(String(process.pid));
    await again.close();
    expect(existsSync(lockOf(dataDir))).toBe(false);

    const inMemory = [await createPgliteDriver({ dataDir: 'memory://' }), await createPgliteDriver({ dataDir: 'memory://' })];
    for (const driver of inMemory) await driver.close();
  }, initTimeoutMs);

  it('refuses a directory another running process holds, naming its pid, and takes it over once that process died', async () => {
    const dataDir = join(root, 'held-elsewhere');
    mkdirSync(dataDir, { recursive: true });
    // Another process taking the lock as the driver does, then staying up.
    const holder = spawn(process.execPath, ['-e', `require('node:fs').writeFileSync(process.argv[1], process.pid + '\\n', { flag: 'wx' }); console.log('held'); setInterval(() => {}, 1000);`, lockOf(dataDir)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
      });
      expect(holderIn(dataDir)).toBe(String(holder.pid));
      const refused = await createPgliteDriver({ dataDir }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DataDirectoryInUseError);
      expect((refused as Error).message).toBe(`the embedded database in ${dataDir} is already open by process ${holder.pid} (lock file ${lockOf(dataDir)}): stop that process first (two PGlite instances on one data directory lose acknowledged commits)`);
      expect(holderIn(dataDir)).toBe(String(holder.pid));
    } finally {
      holder.kill('SIGKILL');
    }
    // Killed, it left its lock behind, naming a process that is gone.
    await new Promise((resolve) => (holder.exitCode !== null || holder.signalCode !== null ? resolve(undefined) : holder.once('exit', resolve)));
    expect(holderIn(dataDir)).toBe(String(holder.pid));
    const taken = await createPgliteDriver({ dataDir });
    expect(holderIn(dataDir)).toBe(String(process.pid));
    await taken.close();
    expect(existsSync(lockOf(dataDir))).toBe(false);
  }, initTimeoutMs);

  it("takes over a lock naming this process's own pid that this process did not take (a container restarted with the same pid)", async () => {
    const dataDir = join(root, 'restarted');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(lockOf(dataDir), `${process.pid}\n`);
    const taken = await createPgliteDriver({ dataDir });
    expect(holderIn(dataDir)).toBe(String(process.pid));
    await taken.close();
    expect(existsSync(lockOf(dataDir))).toBe(false);
  }, initTimeoutMs);

  it('releases the lock when opening fails', async () => {
    const dataDir = join(root, 'blocked-lock');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'base'), 'not a directory');
    await expect(createPgliteDriver({ dataDir })).rejects.toThrow(`initialising the embedded database in ${dataDir} failed`);
    expect(existsSync(lockOf(dataDir))).toBe(false);
  }, initTimeoutMs);

  it('refuses a lock file that names no process rather than guess (one being written this instant reads so)', async () => {
    const dataDir = join(root, 'unnamed');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(lockOf(dataDir), '');
    await expect(createPgliteDriver({ dataDir })).rejects.toThrow(`is locked by ${lockOf(dataDir)}, which names no process: if no process has the directory open, delete that file`);
    expect(readFileSync(lockOf(dataDir), 'utf8')).toBe('');
  });
});
