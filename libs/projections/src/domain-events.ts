import type { BudgetEvent, LoyaltyEvent } from '#domain';
import type { RecordedEvent } from '#event-store';

export type LedgerEvent = BudgetEvent | LoyaltyEvent;

/**
 * The recorded event as the domain's typed union, so a projection's switch narrows `data` by `type`.
 * The log holds only events the domain decided, so the cast trusts what the deciders wrote; types a
 * projection does not know fall through its switch's default.
 */
export function asLedgerEvent(event: RecordedEvent): LedgerEvent {
  return event as unknown as LedgerEvent;
}
