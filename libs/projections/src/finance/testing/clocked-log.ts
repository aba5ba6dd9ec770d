import type { CallerRole } from '#auth';
import { samplePolicy } from '#domain';
import { createEmbeddedEventStore, type RecordedEvent } from '#event-store';
import { GestureLedger, type RequestContext } from '#ledger';
import { readWholeLog } from './project-log.js';

/** What a log writer gets: the ledger, its clock to move, and a caller's context. */
export interface ClockedLedger {
  ledger: GestureLedger;
  /** Moves the ledger's clock to `iso`: what happens next is recorded then. */
  setNow(iso: string): void;
  ctx(subject: string, roles: CallerRole[], storeId: string | null): RequestContext;
}

/**
 * The log `write` makes through the real `GestureLedger` on an embedded store (the sample policy published at
 * `startAt`), with a clock the writer moves: every event of it, in log order.
 */
export async function clockedLog(startAt: string, write: (on: ClockedLedger) => Promise<void>): Promise<RecordedEvent[]> {
  const events = await createEmbeddedEventStore({ dataDir: 'memory://' });
  let now = new Date(startAt);
  const ledger = new GestureLedger(events, { clock: () => now });
  try {
    await ledger.start(samplePolicy());
    await write({
      ledger,
      setNow: (iso) => void (now = new Date(iso)),
      ctx: (subject, roles, storeId) => ({ principal: { subject, roles, storeId }, correlationId: `spec-${subject}` }),
    });
    return await readWholeLog(events);
  } finally {
    await events.close();
  }
}
