import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
    this.runDir = mkdtempSync(join(tmpdir(), 'gl-kafka-fault-'));
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
    const result = spawnSync('bash', ['deploy/local/kafka.sh', command], {
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.port + 1), KAFKA_RUN_DIR: this.runDir, KAFKA_HEAP_OPTS: '-Xmx256m -Xms128m', KAFKA_START_TIMEOUT: '90' },
    });
    if (result.status !== 0) throw new Error(`kafka.sh ${command} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
