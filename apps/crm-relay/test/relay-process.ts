import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const main = 'dist/apps/crm-relay/src/main.js';

/**
 * Compiles the project so the relay can run as a real process (`node dist/...`), as deployed. tsc emits
 * even when some other file of the tree has a type error; only a missing entry point fails here.
 */
export function buildRelay(): void {
  const result = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8', timeout: 240_000 });
  if (!existsSync(main)) throw new Error(`build did not produce ${main}:\n${result.stdout}\n${result.stderr}`);
}

export interface RelayProcess {
  child: ChildProcess;
  output(): string;
}

/** Starts `node dist/apps/crm-relay/src/main.js` with `env` and waits for its start line. */
export async function spawnRelay(env: Record<string, string>, timeoutMs = 30_000): Promise<RelayProcess> {
  const child = spawn(process.execPath, [main], { env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + timeoutMs;
  while (!output.includes('crm-relay started')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`crm-relay did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => output };
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}
