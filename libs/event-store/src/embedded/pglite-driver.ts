import { PGlite } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlDriver } from '../sql/sql-driver.js';
import { lockDataDir } from './data-dir-lock.js';

export interface PgliteDriverOptions {
  /** Data directory; `memory://` keeps everything in memory (tests). */
  dataDir: string;
  /**
   * PostgreSQL's own page cache in megabytes, inside the process's WebAssembly heap (default 64;
   * PostgreSQL's is 128). That heap never shrinks, and the operating system caches the data directory's
   * files as well, so a large cache here mostly holds pages twice.
   */
  sharedBuffersMb?: number;
}

export const pgliteSharedBuffersMbDefault = 64;

/**
 * PGlite (PostgreSQL compiled to WebAssembly, in-process) as a `SqlDriver`. It runs one query at a
 * time, so group commit runs one batch transaction at a time: batching is what makes it fast.
 * A data directory on disk is held by one driver at a time (a lock file in it, removed on close): a second
 * one, in another process or this one, is refused with `DataDirectoryInUseError`.
 */
export async function createPgliteDriver(options: PgliteDriverOptions): Promise<SqlDriver & { readonly db: PGlite }> {
  const sharedBuffersMb = options.sharedBuffersMb ?? pgliteSharedBuffersMbDefault;
  if (!Number.isSafeInteger(sharedBuffersMb) || sharedBuffersMb < 1) throw new RangeError(`PGlite shared buffers must be a whole number of megabytes, at least 1, not ${sharedBuffersMb}`);
  const onDisk = !options.dataDir.startsWith('memory://');
  let unlock: () => void = () => undefined;
  if (onDisk) {
    mkdirSync(options.dataDir, { recursive: true });
    // Before creating it too: two processes starting on a new directory would both run initdb.
    unlock = lockDataDir(options.dataDir);
  }
  let db: PGlite;
  try {
    if (onDisk && !existsSync(join(options.dataDir, 'PG_VERSION'))) await initialiseInChildProcess(options.dataDir);
    // Not durable past the process: PGlite's defaults run PostgreSQL with fsync off (-F), and its WebAssembly file
    // system cannot fsync anyway. A commit acknowledged is in the operating system's hands, so it survives the
    // process crashing but not the OS crashing or a power loss, which can lose the last commits or damage the
    // directory. For development and single-node trials; PostgreSQL or EventStoreDB where data must last.
    db = await PGlite.create(options.dataDir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`] });
  } catch (error) {
    unlock();
    throw error;
  }
  return {
    db,
    concurrentTransactionsMax: 1,
    async query<R>(text: string, params: unknown[]) {
      return (await db.query<R>(text, params)).rows;
    },
    async queryArrays<R extends readonly unknown[]>(text: string, params: unknown[]) {
      return (await db.query<R>(text, params, { rowMode: 'array' })).rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
    transaction<T>(work: (query: <R>(text: string, params: unknown[]) => Promise<R[]>) => Promise<T>) {
      return db.transaction((tx) => work(async <R>(text: string, params: unknown[]) => (await tx.query<R>(text, params)).rows));
    },
    async close() {
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * Creates a new data directory (PGlite's initdb) in a short-lived child process. Initialising takes
 * ~750 MB, and memory PGlite takes is never given back: done in this process, a fresh install would
 * carry that for its whole life, against ~230 MB for one that opens an existing directory.
 */
async function initialiseInChildProcess(dataDir: string): Promise<void> {
  const script = 'const { PGlite } = await import(process.argv[1]); const db = await PGlite.create(process.argv[2]); await db.close();';
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dataDir], { timeout: 120_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`initialising the embedded database in ${dataDir} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}
