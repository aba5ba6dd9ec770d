import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, NotEquals } from 'class-validator';
import { staffRoles, type StaffRole } from '#domain';
import { edge } from '../http/edge-rules.js';

export class AllocateBudgetDto {
  @ApiProperty({ example: 'emp-7' })
  @Matches(edge.partyId, { message: 'employeeId must be 1-64 letters, digits or _.:@-' })
  employeeId!: string;

  @ApiProperty({ enum: staffRoles })
  @IsIn(staffRoles)
  role!: StaffRole;

  @ApiProperty({ example: 's-nyc-5th', description: "the employee's home store; its time zone draws the budget periods" })
  @Matches(edge.partyId, { message: 'storeId must be 1-64 letters, digits or _.:@-' })
  storeId!: string;

  @ApiPropertyOptional({ description: "replaces the role's allowance per period (minor units)" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(edge.amountMinorMax)
  allowanceOverrideMinor?: number;

  @ApiProperty()
  @Matches(edge.idempotencyKey, { message: 'idempotencyKey must be 1-128 printable ASCII characters without spaces' })
  idempotencyKey!: string;
}

export class AdjustBudgetDto {
  @ApiProperty({ description: 'positive tops up the period allowance, negative lowers it (never below spent + reserved)' })
  @IsInt()
  @NotEquals(0)
  @Min(-edge.amountMinorMax)
  @Max(edge.amountMinorMax)
  deltaMinor!: number;

  @ApiPropertyOptional({ description: 'any instant in the period to adjust; now by default' })
  @IsOptional()
  @IsISO8601({ strict: true })
  effectiveAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(edge.reasonCodeLengthMax)
  reasonCode?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(edge.noteLengthMax)
  note?: string;

  @ApiProperty()
  @Matches(edge.idempotencyKey, { message: 'idempotencyKey must be 1-128 printable ASCII characters without spaces' })
  idempotencyKey!: string;
}
