import type { LoyaltyEvent } from './events.js';

/**
 * A stored loyalty event in the shape this code decides and folds with; what an older version did not
 * record reads as null (not recorded), never as a guess. Version 1 of PointsRedeemed and FeedbackReceived
 * predates their `policyVersion`, version 1 of PurchaseRecorded its `who`.
 */
export function upcastLoyaltyEvent(event: { readonly type: string; readonly schemaVersion: number; readonly data: unknown }): LoyaltyEvent {
  if (event.schemaVersion !== 1) return event as LoyaltyEvent;
  if (event.type === 'PointsRedeemed' || event.type === 'FeedbackReceived') {
    return { type: event.type, schemaVersion: 2, data: { ...(event.data as object), policyVersion: null } } as LoyaltyEvent;
  }
  if (event.type === 'PurchaseRecorded') return { type: event.type, schemaVersion: 2, data: { ...(event.data as object), who: null } } as LoyaltyEvent;
  return event as LoyaltyEvent;
}
