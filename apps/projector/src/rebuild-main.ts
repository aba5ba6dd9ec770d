import 'reflect-metadata';
import { ConfigurationError, loadSettings, openStorage } from '#config';
import { allProjections, formatProgress, rebuildReadModels, RebuildOvertaken, RebuildRunning } from '#projections';

/**
 * `npm run projections:rebuild`: rebuilds every read model from the start of the log into a fresh schema
 * and swaps it in when complete, with a progress bar on stderr. A running projector service keeps going
 * through the swap (PostgreSQL); with the embedded store, stop the service first (one process per data dir).
 * While another rebuild runs on the same database it refuses to start, says so and exits with status 1.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const storage = await openStorage(settings);
  const tty = process.stderr.isTTY;
  try {
    const result = await rebuildReadModels({
      store: storage.store,
      db: storage.readModels,
      projections: allProjections,
      batchSize: Math.max(settings.projector.batchSize, 5_000),
      catchUpRoundsMax: settings.projector.rebuildCatchUpRoundsMax,
      progressEveryMs: tty ? 200 : 2_000,
      onProgress: (p) => process.stderr.write(tty ? `\r${formatProgress(p)}\x1b[K` : `${formatProgress(p)}\n`),
    });
    if (tty) process.stderr.write('\n');
    if (result.abandoned.length > 0) process.stderr.write(`dropped ${result.abandoned.length} schema(s) left by an interrupted rebuild\n`);
    console.log(`rebuilt ${result.events.toLocaleString('en-US')} events in ${result.seconds.toFixed(1)} s (${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s); swapped into schema ${result.schema}`);
  } finally {
    await storage.close();
  }
}

main().catch((error: unknown) => {
  // Another rebuild running, or the live projector outrunning this one, is no fault of this process: the message alone says what to do.
  if (error instanceof ConfigurationError) console.error(`configuration error: ${error.message}`);
  else if (error instanceof RebuildRunning) console.error(`projections:rebuild: ${error.message}`);
  else if (error instanceof RebuildOvertaken) console.error(`projections:rebuild: ${error.message}, or let it catch up more often (PROJECTOR_REBUILD_CATCH_UP_ROUNDS, default 20)`);
  else console.error(error);
  process.exit(1);
});
