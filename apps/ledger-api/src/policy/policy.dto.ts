import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { channels, gestureTypes, limits, periodKinds, staffRoles, tierNames } from '#domain';
import { enumOrNull } from '../http/nullable.js';

/*
 * The policy document's shape, for the OpenAPI document only: the domain validates policies itself
 * (`policyProblems`), as a whole, and names every problem.
 */

export class StoreRuleDto {
  @ApiProperty({ description: 'IANA time zone; budget periods are its local days, weeks and months', example: 'America/New_York' })
  timeZone!: string;
  @ApiProperty({ example: 'us-east' })
  region!: string;
}

export class RoleRuleDto {
  @ApiProperty({ enum: periodKinds })
  period!: string;
  @ApiProperty({ type: 'integer', minimum: 0 })
  allowanceMinor!: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  capPerGestureMinor!: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  capPerCustomerPerPeriodMinor!: number;
  @ApiProperty({ type: 'integer', minimum: 0 })
  autoApproveUpToMinor!: number;
  @ApiProperty({ ...enumOrNull(staffRoles), description: 'a role above this one; null for the top of the chain' })
  approverRole!: string | null;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: limits.escalationTtlMinutesMax })
  escalationTtlMinutes!: number;
}

export class GestureTypeRuleDto {
  @ApiProperty({ enum: ['money', 'points'] })
  costKind!: string;
  @ApiProperty({ enum: channels, isArray: true })
  allowedChannels!: string[];
  @ApiProperty()
  reasonCodeRequired!: boolean;
  @ApiProperty()
  noteRequired!: boolean;
  @ApiProperty()
  regulated!: boolean;
  @ApiProperty({ type: [String], maxItems: limits.reasonCodesPerGestureTypeMax })
  allowedReasonCodes!: string[];
}

export class TierRuleDto {
  @ApiProperty({ enum: tierNames })
  name!: string;
  @ApiProperty({ type: 'integer', minimum: 0 })
  minSpend12mMinor!: number;
}

export class LoyaltyRuleDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  earnPointsPerMajorUnit!: number;
  @ApiProperty({ type: [TierRuleDto], minItems: 1, maxItems: limits.tiersMax })
  tiers!: TierRuleDto[];
  @ApiProperty({ type: 'integer', minimum: 1, maximum: limits.pointsExpireAfterMonthsMax })
  pointsExpireAfterMonths!: number;
}

/** An object with exactly these keys, each holding a `rule`. */
const keyedBy = (keys: readonly string[], rule: new () => object) => ({
  type: 'object' as const,
  properties: Object.fromEntries(keys.map((key) => [key, { allOf: [{ $ref: getSchemaPath(rule) }] }])),
  required: [...keys],
  additionalProperties: false,
  selfRequired: true,
});

export class PolicyDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'the current version + 1 when publishing' })
  version!: number;
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'the money value of one loyalty point' })
  pointValueMinor!: number;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(StoreRuleDto) }, description: 'keyed by store id' })
  stores!: Record<string, StoreRuleDto>;
  @ApiProperty(keyedBy(staffRoles, RoleRuleDto))
  roles!: Record<string, RoleRuleDto>;
  @ApiProperty(keyedBy(gestureTypes, GestureTypeRuleDto))
  catalogue!: Record<string, GestureTypeRuleDto>;
  @ApiProperty({ type: LoyaltyRuleDto })
  loyalty!: LoyaltyRuleDto;
}

export class PolicyPublishedDto {
  @ApiProperty({ enum: ['published'] })
  kind!: string;
  @ApiProperty({ type: 'integer' })
  version!: number;
}
