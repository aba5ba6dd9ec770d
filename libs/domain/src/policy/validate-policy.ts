import { isChannel } from '../context.js';
import { limits } from '../limits.js';
import { isKnownCurrency } from '../money.js';
import { isRoleAbove, isStaffRole, staffRoles, type StaffRole } from '../staff/roles.js';
import { isValidTimeZone } from '../time/calendar.js';
import { periodKinds } from '../time/periods.js';
import { gestureTypes, pointsGestureType } from './catalogue.js';
import { tierNames, type Policy } from './policy.js';

/**
 * Every problem with a policy document, as sentences naming the field; empty when it is sound.
 * Policies arrive as JSON from an admin tool, so each check tolerates any shape instead of asserting.
 */
export function policyProblems(policy: Policy): string[] {
  if (!isRecord(policy)) return ['policy must be an object'];
  return [...documentProblems(policy), ...storeProblems(policy), ...roleProblems(policy), ...catalogueProblems(policy), ...loyaltyProblems(policy)];
}

const isCount = (n: unknown, min = 0): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= min;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const reasonCodeShape = /^[a-z][a-z0-9_]*$/;

function documentProblems(policy: Policy): string[] {
  const problems: string[] = [];
  if (!isCount(policy.version, 1)) problems.push('version must be a positive integer');
  if (!isKnownCurrency(policy.currency)) problems.push(`currency ${String(policy.currency)} is not an ISO-4217 code`);
  if (!isCount(policy.pointValueMinor, 1)) problems.push('pointValueMinor must be a positive integer of minor units');
  return problems;
}

function storeProblems(policy: Policy): string[] {
  if (!isRecord(policy.stores)) return ['stores must be an object keyed by store id'];
  const entries = Object.entries(policy.stores);
  if (entries.length === 0) return ['stores must name at least one store'];
  if (entries.length > limits.storesPerPolicyMax) return [`stores must hold at most ${limits.storesPerPolicyMax} stores`];
  return entries.flatMap(([storeId, store]) => {
    const problems: string[] = [];
    if (storeId.length > limits.idLengthMax || /[\s\p{Cc}]/u.test(storeId)) problems.push(`stores.${storeId}: id is not a valid id`);
    if (!isRecord(store)) return [...problems, `stores.${storeId} must be an object`];
    if (!isValidTimeZone(store.timeZone as string)) problems.push(`stores.${storeId}.timeZone ${String(store.timeZone)} is not an IANA time zone`);
    if (typeof store.region !== 'string' || store.region.length === 0) problems.push(`stores.${storeId}.region must be named`);
    return problems;
  });
}

function roleProblems(policy: Policy): string[] {
  if (!isRecord(policy.roles)) return ['roles must be an object keyed by role'];
  const unknown = Object.keys(policy.roles).filter((role) => !isStaffRole(role)).map((role) => `roles.${role} is not a staff role`);
  return [...unknown, ...staffRoles.flatMap((role) => oneRoleProblems(policy, role))];
}

function oneRoleProblems(policy: Policy, role: StaffRole): string[] {
  const rule: unknown = Object.hasOwn(policy.roles, role) ? policy.roles[role] : undefined;
  const at = `roles.${role}`;
  if (!isRecord(rule)) return [`${at} is missing`];
  const problems: string[] = [];
  if (!periodKinds.includes(rule.period as never)) problems.push(`${at}.period must be day, week or month`);
  const amounts = ['allowanceMinor', 'capPerGestureMinor', 'capPerCustomerPerPeriodMinor', 'autoApproveUpToMinor'] as const;
  const badAmounts = amounts.filter((field) => !isCount(rule[field]));
  problems.push(...badAmounts.map((field) => `${at}.${field} must be a non-negative integer of minor units`));
  if (badAmounts.length === 0) {
    const [allowance, capPerGesture, capPerCustomer, autoApprove] = amounts.map((field) => rule[field] as number);
    if (autoApprove! > capPerGesture!) problems.push(`${at}.autoApproveUpToMinor must not exceed capPerGestureMinor`);
    if (capPerGesture! > capPerCustomer!) problems.push(`${at}.capPerGestureMinor must not exceed capPerCustomerPerPeriodMinor`);
    if (capPerCustomer! > allowance!) problems.push(`${at}.capPerCustomerPerPeriodMinor must not exceed allowanceMinor`);
    // Without an approver the band between auto-approval and the cap could never be granted.
    if (rule.approverRole === null && autoApprove !== capPerGesture) problems.push(`${at}.autoApproveUpToMinor must equal capPerGestureMinor when there is no approverRole`);
  }
  if (rule.approverRole !== null && !(isStaffRole(rule.approverRole as string) && isRoleAbove(rule.approverRole as StaffRole, role))) {
    problems.push(`${at}.approverRole must be null or a role above ${role}`);
  }
  if (!isCount(rule.escalationTtlMinutes, 1) || (rule.escalationTtlMinutes as number) > limits.escalationTtlMinutesMax) {
    problems.push(`${at}.escalationTtlMinutes must be 1..${limits.escalationTtlMinutesMax}`);
  }
  return problems;
}

function catalogueProblems(policy: Policy): string[] {
  if (!isRecord(policy.catalogue)) return ['catalogue must be an object keyed by gesture type'];
  const unknown = Object.keys(policy.catalogue).filter((type) => !(gestureTypes as readonly string[]).includes(type)).map((type) => `catalogue.${type} is not a gesture type`);
  return [
    ...unknown,
    ...gestureTypes.flatMap((type) => {
      const rule: unknown = Object.hasOwn(policy.catalogue, type) ? policy.catalogue[type] : undefined;
      const at = `catalogue.${type}`;
      if (!isRecord(rule)) return [`${at} is missing`];
      const problems: string[] = [];
      const expectedCost = type === pointsGestureType ? 'points' : 'money';
      if (rule.costKind !== expectedCost) problems.push(`${at}.costKind must be ${expectedCost}`);
      for (const flag of ['reasonCodeRequired', 'noteRequired', 'regulated'] as const) {
        if (typeof rule[flag] !== 'boolean') problems.push(`${at}.${flag} must be true or false`);
      }
      const channels = rule.allowedChannels;
      if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => isChannel(c as string)) || new Set(channels).size !== channels.length) {
        problems.push(`${at}.allowedChannels must list distinct known channels`);
      }
      const codes = rule.allowedReasonCodes;
      if (!Array.isArray(codes) || codes.length > limits.reasonCodesPerGestureTypeMax || !codes.every((c) => typeof c === 'string' && c.length <= limits.reasonCodeLengthMax && reasonCodeShape.test(c)) || new Set(codes).size !== codes.length) {
        problems.push(`${at}.allowedReasonCodes must list at most ${limits.reasonCodesPerGestureTypeMax} distinct snake_case codes`);
      } else if (rule.reasonCodeRequired === true && codes.length === 0) {
        problems.push(`${at}.allowedReasonCodes must not be empty when a reason code is required`);
      }
      return problems;
    }),
  ];
}

function loyaltyProblems(policy: Policy): string[] {
  const loyalty: unknown = policy.loyalty;
  if (!isRecord(loyalty)) return ['loyalty must be an object'];
  const problems: string[] = [];
  if (!isCount(loyalty.earnPointsPerMajorUnit)) problems.push('loyalty.earnPointsPerMajorUnit must be a non-negative integer');
  if (!isCount(loyalty.pointsExpireAfterMonths, 1) || (loyalty.pointsExpireAfterMonths as number) > limits.pointsExpireAfterMonthsMax) {
    problems.push(`loyalty.pointsExpireAfterMonths must be 1..${limits.pointsExpireAfterMonthsMax}`);
  }
  const tiers = loyalty.tiers;
  if (!Array.isArray(tiers) || tiers.length === 0 || tiers.length > limits.tiersMax) return [...problems, `loyalty.tiers must list 1..${limits.tiersMax} tiers`];
  tiers.forEach((tier: unknown, i) => {
    if (!isRecord(tier) || !(tierNames as readonly string[]).includes(tier.name as string) || !isCount(tier.minSpend12mMinor)) {
      problems.push(`loyalty.tiers[${i}] must have a known name and a non-negative minSpend12mMinor`);
    }
  });
  if (problems.length > 0) return problems;
  const typed = tiers as { name: string; minSpend12mMinor: number }[];
  if (typed[0]!.minSpend12mMinor !== 0) problems.push('loyalty.tiers[0].minSpend12mMinor must be 0 so every customer has a tier');
  if (typed.some((tier, i) => i > 0 && tier.minSpend12mMinor <= typed[i - 1]!.minSpend12mMinor)) problems.push('loyalty.tiers must rise strictly by minSpend12mMinor');
  if (new Set(typed.map((t) => t.name)).size !== typed.length) problems.push('loyalty.tiers names must be distinct');
  return problems;
}
