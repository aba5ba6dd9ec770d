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
  onPage?: (summary: LoyaltyExpirySummary) => void;
}

export interface LoyaltyExpirySummary {
  /** Customers the ledger answered for. */
  reviewed: number;
  /** Points expired, over all of them. */
  pointsExpired: number;
  /** Customers moved from one tier to another (down, as spend leaves the rolling 12 months). */
  tiersChanged: number;
  /** Customers placed in a tier for the first time: they had points (a bonus-points gesture) but no purchase yet. */
  tiersPlaced: number;
  failed: Array<{ customerId: string; status: number; body: string }>;
}


export async function runLoyaltyExpiry(options: LoyaltyExpiryRunOptions): Promise<LoyaltyExpirySummary> {
  const headers = { authorization: `Bearer ${options.bearer}`, 'content-type': 'application/json' };
  const summary: LoyaltyExpirySummary = { reviewed: 0, pointsExpired: 0, tiersChanged: 0, tiersPlaced: 0, failed: [] };
  let after: string | null = null;
  for (;;) {
    const query = new URLSearchParams({ limit: String(options.pageSize ?? 500), ...(after === null ? {} : { after }) });
    const listed = await fetch(`${options.readUrl}/read/customers?${query}`, { headers });
    if (listed.status !== 200) throw new Error(`listing customers at ${options.readUrl} answered ${listed.status}: ${await listed.text()}`);
    const page = (await listed.json()) as { customers: Array<{ customerId: string }>; next: string | null };
    let next = 0;
    const worker = async () => {
      while (next < page.customers.length) {
        const customer = page.customers[next++]!;
        const res = await fetch(`${options.ledgerUrl}/customers/${encodeURIComponent(customer.customerId)}/loyalty/expiry`, { method: 'POST', headers, body: '{}' });
        const body = await res.text();
        if (res.status !== 200) {
          summary.failed.push({ customerId: customer.customerId, status: res.status, body });
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
