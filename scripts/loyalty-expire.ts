/**
 * `npm run loyalty:expire`: the monthly loyalty expiry run (points past their expiry, tiers from the rolling
 * 12 months) for customers who stopped coming; active ones get it on their next purchase or redemption.
 * Run it early each month (lots and tiers move by the month). LEDGER_URL and READ_URL point at the ledger
 * API and the query API (default: the all-in-one of `npm start`); GESTURE_LEDGER_TOKEN is a CRM or admin
 * token (default: a CRM token signed with the configured JWT secret, the development one under DATA_DIR
 * when none is set, as `npm run token` does).
 * Transient answers (no connection, 429, 502-504) are retried; exits 1 when any customer still failed, naming the
 * first hundred.
 */
import { mintToken } from '#auth';
import { loadSettings } from '#config';
import { runLoyaltyExpiry } from './loyalty-expiry.js';

const ledgerUrl = process.env.LEDGER_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const readUrl = process.env.READ_URL ?? ledgerUrl;

try {
  const bearer = process.env.GESTURE_LEDGER_TOKEN ?? (await mintToken(loadSettings().jwt, { sub: 'loyalty-expiry', roles: ['crm'] }));
  const started = performance.now();
  const summary = await runLoyaltyExpiry({ ledgerUrl, readUrl, bearer, onPage: (s) => process.stderr.write(`\r${s.reviewed} customers reviewed, ${s.pointsExpired} points expired, ${s.tiersChanged} tiers changed, ${s.tiersPlaced} placed, ${s.failures} failed`) });
  process.stderr.write('\n');
  console.log(JSON.stringify({ ...summary, seconds: Math.round(performance.now() - started) / 1000 }, null, 2));
  process.exitCode = summary.failures > 0 ? 1 : 0;
} catch (error) {
  console.error(`loyalty:expire could not run: ${(error as Error).message}`);
  process.exitCode = 1;
}
