import { ApiProperty } from '@nestjs/swagger';
import { tierNames } from '#domain';

export class LoyaltySummaryDto {
  @ApiProperty()
  customerId!: string;
  @ApiProperty({ type: 'integer' })
  balancePoints!: number;
  @ApiProperty({ enum: tierNames, nullable: true, description: 'null until the first purchase' })
  tier!: string | null;
}

export class TierChangeDto {
  @ApiProperty({ enum: tierNames, nullable: true })
  from!: string | null;
  @ApiProperty({ enum: tierNames })
  to!: string;
}

export class LoyaltyExpiryDto extends LoyaltySummaryDto {
  @ApiProperty({ type: 'integer' })
  pointsExpired!: number;
  @ApiProperty({ type: TierChangeDto, nullable: true })
  tierChanged!: TierChangeDto | null;
}
