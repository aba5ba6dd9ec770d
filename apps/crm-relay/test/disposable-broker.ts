import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runDirPrefix = 'gl-kafka-fault-';
/** A run dir still without its owner file after this long was left by a run that died while starting. */
const ownerlessAfterMs = 10 * 60_000;

/**
 * A second Kafka broker of the test's own (ports and data dir), started and stopped through
 * deploy/local/kafka.sh, so a fault test can take it away without touching the shared broker.
 */
export class DisposableBroker {
  readonly port: number;
  readonly runDir: string;

  constructor() {
    // Spread over a range so parallel runs on one machine do not collide.
    this.port = 20_000 + (process.pid % 4_000) * 2;
    DisposableBroker.reapOrphans();
    this.runDir = mkdtempSync(join(tmpdir(), runDirPrefix));
    writeFileSync(join(this.runDir, 'owner.pid'), String(process.pid));
  }

  /**
   * Stops the brokers of test runs that died without removing theirs (a Jest run killed mid-test): a
   * broker left behind keeps a core busy and skews every later test and benchmark on the machine.
   */
  static reapOrphans(): void {
    for (const name of readdirSync(tmpdir())) {
      if (!name.startsWith(runDirPrefix)) continue;
      const runDir = join(tmpdir(), name);
      if (!isOrphan(runDir)) continue;
      try {
        script(runDir, 0, 'stop', 60_000);
      } catch {
        continue; // Still running: left for the next run to try again rather than deleting its directory.
      }
      rmSync(runDir, { recursive: true, force: true });
    }
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  start(): void {
    this.script('start', 120_000);
  }

  stop(): void {
    this.script('stop', 60_000);
  }

  remove(): void {
    try {
      this.stop();
    } finally {
      rmSync(this.runDir, { recursive: true, force: true });
    }
  }

  private script(command: string, timeoutMs: number): void {
    script(this.runDir, this.port, command, timeoutMs);
  }
}

function script(runDir: string, port: number, command: string, timeoutMs: number): void {
  const ports = port > 0 ? { KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) } : {};
  const result = spawnSync('bash', ['deploy/local/kafka.sh', command], {
    encoding: 'utf8',
    timeout: timeoutMs,
    // The heap kafka.sh gives any broker: at 256 MB the log cleaner's 128 MB dedupe buffer (allocated at start, as
    // the state topics are compacted) left the controller's activation short, and the broker died of OutOfMemoryError.
    env: { ...process.env, ...ports, KAFKA_RUN_DIR: runDir, KAFKA_HEAP_OPTS: '-Xmx512m -Xms256m', KAFKA_START_TIMEOUT: '90' },
  });
  if (result.status !== 0) throw new Error(`kafka.sh ${command} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/** Its owner process is gone, or it never got an owner and is old. */
function isOrphan(runDir: string): boolean {
  let owner: number;
  try {
    owner = Number(readFileSync(join(runDir, 'owner.pid'), 'utf8'));
  } catch {
    try {
      return Date.now() - statSync(runDir).mtimeMs > ownerlessAfterMs;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(owner) || owner <= 0) return true;
  try {
    process.kill(owner, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
