import type { Channel } from '../context.js';
import type { GestureCatalogue } from './catalogue.js';
import type { Policy } from './policy.js';

const allChannels: readonly Channel[] = ['pos', 'call_center', 'front_desk', 'field_sales', 'web_chat'];

/**
 * A realistic default (US retail and hospitality, amounts in cents) for `npm start`, demos and tests.
 * Associates escalate to senior associates, who escalate to supervisors, then managers; managers
 * have no approver, so their cap is also their auto-approval limit.
 */
export function samplePolicy(): Policy {
  return {
    version: 1,
    currency: 'USD',
    pointValueMinor: 1,
    stores: {
      'nyc-fifth-ave': { timeZone: 'America/New_York', region: 'us-east' },
      'chicago-loop': { timeZone: 'America/Chicago', region: 'us-central' },
      'phoenix-call-center': { timeZone: 'America/Phoenix', region: 'us-west' },
      'la-santa-monica': { timeZone: 'America/Los_Angeles', region: 'us-west' },
      'honolulu-resort-hotel': { timeZone: 'Pacific/Honolulu', region: 'us-pacific' },
      'web-support': { timeZone: 'UTC', region: 'online' },
    },
    roles: {
      associate: { period: 'day', allowanceMinor: 20_000, capPerGestureMinor: 5_000, capPerCustomerPerPeriodMinor: 7_500, autoApproveUpToMinor: 2_500, approverRole: 'senior_associate', escalationTtlMinutes: 30 },
      senior_associate: { period: 'day', allowanceMinor: 50_000, capPerGestureMinor: 15_000, capPerCustomerPerPeriodMinor: 20_000, autoApproveUpToMinor: 7_500, approverRole: 'supervisor', escalationTtlMinutes: 60 },
      supervisor: { period: 'week', allowanceMinor: 250_000, capPerGestureMinor: 50_000, capPerCustomerPerPeriodMinor: 75_000, autoApproveUpToMinor: 25_000, approverRole: 'manager', escalationTtlMinutes: 240 },
      manager: { period: 'month', allowanceMinor: 1_500_000, capPerGestureMinor: 200_000, capPerCustomerPerPeriodMinor: 300_000, autoApproveUpToMinor: 200_000, approverRole: null, escalationTtlMinutes: 1_440 },
    },
    catalogue: sampleCatalogue(),
    loyalty: {
      earnPointsPerMajorUnit: 1,
      tiers: [
        { name: 'bronze', minSpend12mMinor: 0 },
        { name: 'silver', minSpend12mMinor: 50_000 },
        { name: 'gold', minSpend12mMinor: 200_000 },
        { name: 'platinum', minSpend12mMinor: 500_000 },
      ],
      pointsExpireAfterMonths: 12,
    },
  };
}

function sampleCatalogue(): GestureCatalogue {
  return {
    refund_outside_policy: { costKind: 'money', allowedChannels: ['pos', 'call_center', 'front_desk', 'web_chat'], reasonCodeRequired: true, noteRequired: true, regulated: false, allowedReasonCodes: ['damaged_item', 'late_return', 'customer_hardship', 'service_failure'] },
    fee_waiver: { costKind: 'money', allowedChannels: ['pos', 'call_center', 'front_desk', 'web_chat'], reasonCodeRequired: true, noteRequired: false, regulated: false, allowedReasonCodes: ['late_fee', 'restocking_fee', 'cancellation_fee', 'delivery_fee', 'service_failure'] },
    goodwill_credit: { costKind: 'money', allowedChannels: allChannels, reasonCodeRequired: true, noteRequired: true, regulated: false, allowedReasonCodes: ['service_failure', 'long_wait', 'billing_error', 'loyal_customer'] },
    competitor_price_match: { costKind: 'money', allowedChannels: ['pos', 'call_center', 'field_sales', 'web_chat'], reasonCodeRequired: true, noteRequired: true, regulated: false, allowedReasonCodes: ['competitor_lower_price'] },
    discount: { costKind: 'money', allowedChannels: ['pos', 'front_desk', 'field_sales'], reasonCodeRequired: true, noteRequired: false, regulated: false, allowedReasonCodes: ['loyal_customer', 'bulk_purchase', 'display_model', 'service_failure'] },
    upgrade: { costKind: 'money', allowedChannels: ['pos', 'front_desk', 'field_sales'], reasonCodeRequired: true, noteRequired: false, regulated: false, allowedReasonCodes: ['service_failure', 'loyal_customer', 'special_occasion', 'availability'] },
    gift: { costKind: 'money', allowedChannels: ['pos', 'call_center', 'front_desk', 'field_sales'], reasonCodeRequired: true, noteRequired: true, regulated: false, allowedReasonCodes: ['condolence', 'special_occasion', 'service_failure', 'apology'] },
    bonus_loyalty_points: { costKind: 'points', allowedChannels: allChannels, reasonCodeRequired: true, noteRequired: false, regulated: false, allowedReasonCodes: ['service_failure', 'loyal_customer', 'long_wait', 'apology'] },
    free_shipping: { costKind: 'money', allowedChannels: ['pos', 'call_center', 'field_sales', 'web_chat'], reasonCodeRequired: false, noteRequired: false, regulated: false, allowedReasonCodes: ['delayed_order', 'service_failure', 'loyal_customer'] },
    cash_payout: { costKind: 'money', allowedChannels: ['pos', 'call_center', 'front_desk'], reasonCodeRequired: true, noteRequired: true, regulated: true, allowedReasonCodes: ['claim_settlement'] },
  };
}
