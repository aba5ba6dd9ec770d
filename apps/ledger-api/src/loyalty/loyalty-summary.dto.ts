import { ApiProperty } from '@nestjs/swagger';
import { tierNames } from '#domain';
import { enumOrNull } from '../http/nullable.js';

export class LoyaltySummaryDto {
  @ApiProperty()
  customerId!: string;
  @ApiProperty({ type: 'integer' })
  balancePoints!: number;
  @ApiProperty({ ...enumOrNull(tierNames), description: 'null until the first purchase' })
  tier!: string | null;
}

export class LoyaltyExpiryDto extends LoyaltySummaryDto {
  @ApiProperty({ type: 'integer' })
  pointsExpired!: number;
  // Inline rather than a $ref: OpenAPI 3.0's `nullable` beside a $ref (allOf) leaves the referenced object unable to be null.
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { from: enumOrNull(tierNames), to: { type: 'string', enum: [...tierNames] } },
    required: ['from', 'to'],
    selfRequired: true,
    description: 'null when the tier stayed as it was',
  })
  tierChanged!: { from: string | null; to: string } | null;
}
