import type { LoyaltyEvent } from './events.js';

/**
 * A stored loyalty event in the shape this code decides and folds with. Version 1 of PointsRedeemed and
 * FeedbackReceived predates their `policyVersion`: it reads as null (not recorded), never as a guess.
 */
export function upcastLoyaltyEvent(event: { readonly type: string; readonly schemaVersion: number; readonly data: unknown }): LoyaltyEvent {
  if ((event.type === 'PointsRedeemed' || event.type === 'FeedbackReceived') && event.schemaVersion === 1) {
    return { type: event.type, schemaVersion: 2, data: { ...(event.data as object), policyVersion: null } } as LoyaltyEvent;
  }
  return event as LoyaltyEvent;
}
