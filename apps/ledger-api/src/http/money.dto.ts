import { ApiProperty } from '@nestjs/swagger';

export class MoneyDto {
  @ApiProperty({ type: 'integer', description: 'minor units (e.g. cents)', example: 1500 })
  amountMinor!: number;
  @ApiProperty({ description: 'ISO 4217 code', example: 'USD' })
  currency!: string;
}
