export type LoyaltyRefusalReason = 'insufficient_points' | 'currency_mismatch' | 'unknown_store' | 'occurred_in_future' | 'invalid_score' | 'idempotency_key_reused';
