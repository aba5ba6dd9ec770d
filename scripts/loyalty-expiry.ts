import { backoffDelayMs, sleep, type BackoffLimits } from '#event-store';

/**
 * A loyalty expiry run: every customer with points or a tier, from the query API's list a page at a time,
 * gets `POST /customers/{id}/loyalty/expiry` on the ledger API, a few at a time. The ledger decides what
 * is due (and answers a repeat the same day with its first outcome), so a run that stopped half-way is
 * simply run again.
 */
export interface LoyaltyExpiryRunOptions {
  /** The ledger API (`POST /customers/{id}/loyalty/expiry`). */
  ledgerUrl: string;
  /** The query API (`GET /read/customers`); the same as `ledgerUrl` for the all-in-one. */
  readUrl: string;
  /** A CRM or admin token. */
  bearer: string;
  concurrency?: number;
  pageSize?: number;
  /**
   * Tries per customer, and per page of the list, when the answer is transient (no connection, 429, 502,
   * 503, 504: the projector restarting, say): the expiry is idempotent and the list a read, so a retry is
   * safe. Waits `Retry-After` when the server says (at most `retryAfterMaxMs`), else a backoff. Default 5.
   */
  attemptsMax?: number;
  backoff?: BackoffLimits;
  retryAfterMaxMs?: number;
  onPage?: (summary: LoyaltyExpirySummary) => void;
}

/** Failures listed by name at most; beyond it they are only counted (a run over millions stays small). */
export const failuresListedMax = 100;

export interface LoyaltyExpirySummary {
  /** Customers the ledger answered for. */
  reviewed: number;
  /** Points expired, over all of them. */
  pointsExpired: number;
  /** Customers moved from one tier to another (down, as spend leaves the rolling 12 months). */
  tiersChanged: number;
  /** Customers placed in a tier for the first time: they had points (a bonus-points gesture) but no purchase yet. */
  tiersPlaced: number;
  /** Customers the ledger did not answer for after every try. */
  failures: number;
  /** The first `failuresListedMax` of them; `status` 0 when no answer came at all. */
  failed: Array<{ customerId: string; status: number; body: string }>;
}

const transientStatuses = new Set([429, 502, 503, 504]);


export async function runLoyaltyExpiry(options: LoyaltyExpiryRunOptions): Promise<LoyaltyExpirySummary> {
  const headers = { authorization: `Bearer ${options.bearer}`, 'content-type': 'application/json' };
  const summary: LoyaltyExpirySummary = { reviewed: 0, pointsExpired: 0, tiersChanged: 0, tiersPlaced: 0, failures: 0, failed: [] };
  const expire = (customerId: string) => fetchWithRetries(`${options.ledgerUrl}/customers/${encodeURIComponent(customerId)}/loyalty/expiry`, { method: 'POST', headers, body: '{}' }, options);
  let after: string | null = null;
  for (;;) {
    const query = new URLSearchParams({ limit: String(options.pageSize ?? 500), ...(after === null ? {} : { after }) });
    const listed = await fetchWithRetries(`${options.readUrl}/read/customers?${query}`, { headers }, options);
    if (listed.status !== 200) throw new Error(`listing customers at ${options.readUrl} answered ${listed.status}: ${listed.body}`);
    const page = JSON.parse(listed.body) as { customers: Array<{ customerId: string }>; next: string | null };
    let next = 0;
    const worker = async () => {
      while (next < page.customers.length) {
        const customer = page.customers[next++]!;
        const { status, body } = await expire(customer.customerId);
        if (status !== 200) {
          summary.failures++;
          if (summary.failed.length < failuresListedMax) summary.failed.push({ customerId: customer.customerId, status, body: body.slice(0, 500) });
          continue;
        }
        const expiry = JSON.parse(body) as { pointsExpired: number; tierChanged: { from: string | null } | null };
        summary.reviewed++;
        summary.pointsExpired += expiry.pointsExpired;
        if (expiry.tierChanged?.from === null) summary.tiersPlaced++;
        else if (expiry.tierChanged) summary.tiersChanged++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
    options.onPage?.(summary);
    if (page.next === null) return summary;
    after = page.next;
  }
}

/** One request, tried again while the answer is transient; the last answer otherwise (status 0: none came). */
async function fetchWithRetries(url: string, init: RequestInit, options: LoyaltyExpiryRunOptions): Promise<{ status: number; body: string }> {
  const attemptsMax = Math.max(1, options.attemptsMax ?? 5);
  for (let attempt = 0; ; attempt++) {
    let answer: { status: number; body: string; retryAfter: string | null };
    try {
      const res = await fetch(url, init);
      answer = { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
    } catch (error) {
      answer = { status: 0, body: (error as Error).message, retryAfter: null };
    }
    if ((answer.status !== 0 && !transientStatuses.has(answer.status)) || attempt + 1 >= attemptsMax) return answer;
    await sleep(retryDelayMs(answer.retryAfter, attempt, options));
  }
}

function retryDelayMs(retryAfter: string | null, attempt: number, options: LoyaltyExpiryRunOptions): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  const capMs = options.retryAfterMaxMs ?? 30_000;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, capMs);
  return backoffDelayMs(attempt, options.backoff ?? { initialMs: 250, maxMs: 5_000 });
}
