import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Builds dist/ for tests that run the deployed process (tsc emits even when some other file has a type
 * error; what matters is that the app's entry point exists afterwards). `npm test` builds once before
 * Jest starts and says so in GESTURE_LEDGER_DIST_BUILT, so parallel test files never rewrite dist/
 * under a process another file is running.
 */
export function buildDist(entry: string): void {
  if (process.env.GESTURE_LEDGER_DIST_BUILT !== '1') spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore', timeout: 240_000 });
  if (!existsSync(entry)) throw new Error(`build did not produce ${entry}`);
}

export interface SpawnedService {
  child: ChildProcess;
  /** Everything written so far (stdout and stderr), bounded to the last 2 MB. */
  output(): string;
  /** Resolves with the exit code and how long after `since` it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The first stdout line matching `pattern`, within `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

const outputMaxChars = 2_000_000;

export function spawnService(entry: string, env: Record<string, string>, cwd = process.cwd()): SpawnedService {
  const child = spawn(process.execPath, ['--max-old-space-size=192', '--max-semi-space-size=32', '--initial-old-space-size=96', entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > outputMaxChars) output = output.slice(-outputMaxChars);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} (exit ${child.exitCode}):\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
