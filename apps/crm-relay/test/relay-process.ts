import { spawn, type ChildProcess } from 'node:child_process';
import { buildDist } from '../../../test/support/built-app.js';

const main = 'dist/apps/crm-relay/src/main.js';

/**
 * The relay as a real process (`node dist/...`), as deployed. Built as every suite that spawns a service
 * builds (`buildDist`): under `npm test`, not again, since rewriting dist/ here broke the processes other
 * suites ran from it at the same time (a module read half-written).
 */
export function buildRelay(): void {
  buildDist(main);
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
