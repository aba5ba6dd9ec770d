/**
 * `npm run audit:verify`: recomputes the finance journal from the event store and walks it beside the
 * stored, hash-chained journal (both streamed), with the configured stores (`EVENT_STORE`, `DATABASE_URL`,
 * `READ_MODEL_DATABASE_URL`, `DATA_DIR`). Prints the verdict as JSON; exits 0 when intact, 2 when a line
 * was altered, removed, reordered or inserted, 1 when it could not run. In embedded mode the data
 * directory must not be open in another process (PGlite allows one).
 */
import { loadSettings, openStorage } from '#config';
import { FinanceViews, liveSchema } from '#projections';

const schema = process.env.AUDIT_SCHEMA?.trim() || liveSchema;

try {
  const storage = await openStorage(loadSettings());
  try {
    const started = performance.now();
    const verdict = await new FinanceViews(storage.readModels, schema).verify(storage.store);
    console.log(JSON.stringify({ ...verdict, seconds: Math.round(performance.now() - started) / 1000 }, null, 2));
    if (verdict.ok) console.error(`journal intact: ${verdict.linesVerified} lines verified, head ${verdict.head.hash}`);
    else console.error(`journal TAMPERED: line ${verdict.problem!.seq} ${verdict.problem!.kind} (gesture ${verdict.problem!.gestureId}): ${verdict.problem!.detail}`);
    process.exitCode = verdict.ok ? 0 : 2;
  } finally {
    await storage.close();
  }
} catch (error) {
  console.error(`audit:verify could not run: ${(error as Error).message}`);
  process.exitCode = 1;
}
