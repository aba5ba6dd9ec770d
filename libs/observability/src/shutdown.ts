import type { Logger } from 'pino';
import type { Lifecycle } from './lifecycle.js';

/** One thing to stop, in the order given: stop taking work, finish what is in hand, close connections. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

export interface ShutdownOptions {
  lifecycle: Lifecycle;
  logger: Logger;
  /** The whole drain must finish within this, or the process exits with status 1. */
  timeoutMs: number;
}

/**
 * Runs the steps once, in order, after marking the service as draining (readiness turns 503 at once).
 * A failing step is logged and the next ones still run, so connections are closed whatever happened.
 * Resolves true when every step succeeded within the timeout.
 */
export function drainInOrder(steps: readonly ShutdownStep[], options: ShutdownOptions): () => Promise<boolean> {
  let running: Promise<boolean> | undefined;
  return () => (running ??= run(steps, options));
}

async function run(steps: readonly ShutdownStep[], { lifecycle, logger, timeoutMs }: ShutdownOptions): Promise<boolean> {
  lifecycle.startDraining();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long');
      resolve(false);
    }, timeoutMs);
  });
  const allSteps = (async () => {
    let ok = true;
    for (const step of steps) {
      const stepStarted = performance.now();
      try {
        await step.run();
        logger.info({ step: step.name, durationMs: Math.round(performance.now() - stepStarted) }, 'shutdown step done');
      } catch (error) {
        ok = false;
        logger.error({ step: step.name, err: error }, 'shutdown step failed');
      }
    }
    return ok;
  })();
  const ok = await Promise.race([allSteps, timedOut]);
  clearTimeout(timer);
  logger.info({ ok, durationMs: Math.round(performance.now() - started) }, 'shutdown complete');
  return ok;
}

/**
 * On the first SIGTERM or SIGINT: drain, flush the log, and exit 0 (1 when a step failed or the
 * timeout passed). A second signal while draining is ignored: the orchestrator's kill after its grace
 * period is the hard stop.
 */
export function exitOnSignal(drain: () => Promise<boolean>, logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  let received = false;
  const handle = (signal: NodeJS.Signals) => {
    if (received) return;
    received = true;
    logger.info({ signal }, 'shutting down');
    void drain().then((ok) => logger.flush(() => exit(ok ? 0 : 1)));
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
