import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirectoryInUseError } from '../errors.js';

/** In the data directory; PostgreSQL ignores files it does not know there. */
export const dataDirLockFileName = 'gesture-ledger.lock';

/**
 * Data directories this process has open, by real path. PGlite holds no lock of its own, and a second PGlite
 * instance on a directory, in this process or another, writes over the first one's files: acknowledged commits
 * are lost. So a second open here is refused as well.
 */
const openHere = new Set<string>();

/** The pid a lock file names, null when it names none, 'gone' when it was removed meanwhile. */
function holderOf(lockPath: string): number | null | 'gone' {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory (an existing one) for this process, or throws `DataDirectoryInUseError`. A lock
 * file whose process is gone (a crash, a kill) is taken over. Returns the release, to call once the database
 * is closed.
 */
export function lockDataDir(dataDir: string): () => void {
  const key = realpathSync(dataDir);
  const lockPath = join(dataDir, dataDirLockFileName);
  const inUse = (why: string) => new DataDirectoryInUseError(dataDir, `the embedded database in ${dataDir} ${why} (two PGlite instances on one data directory lose acknowledged commits)`);
  if (openHere.has(key)) throw inUse(`is already open in this process (pid ${process.pid}): open it once and share that instance`);
  for (let attempt = 1; ; attempt++) {
    try {
      // 'wx': created only if absent, so of two processes starting at once one gets it.
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = holderOf(lockPath);
    if (holder === 'gone') continue;
    // Also what a process that has just created it, not yet written its pid, leaves for an instant.
    if (holder === null) throw inUse(`is locked by ${lockPath}, which names no process: if no process has the directory open, delete that file`);
    // This process's own pid, though it has not opened the directory: the lock of an earlier run, in a container
    // restarted with the same pid (often 1).
    if (holder !== process.pid && isAlive(holder)) throw inUse(`is already open by process ${holder} (lock file ${lockPath}): stop that process first`);
    if (attempt === 3) throw inUse(`is being taken by another process at the same time (lock file ${lockPath})`);
    rmSync(lockPath, { force: true });
  }
  openHere.add(key);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    openHere.delete(key);
    if (holderOf(lockPath) === process.pid) rmSync(lockPath, { force: true });
  };
}
