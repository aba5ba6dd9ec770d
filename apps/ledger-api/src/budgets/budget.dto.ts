import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, NotEquals } from 'class-validator';
import { staffRoles, type StaffRole } from '#domain';
import { edge } from '../http/edge-rules.js';
import { IsIsoInstant } from '../http/is-iso-instant.js';
import { IsPlainText } from '../http/is-plain-text.js';

export class AllocateBudgetDto {
  @ApiProperty({ example: 'emp-7' })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  employeeId!: string;

  @ApiProperty({ enum: staffRoles })
  @IsIn(staffRoles)
  role!: StaffRole;

  @ApiProperty({ example: 's-nyc-5th', description: "the employee's home store; its time zone draws the budget periods" })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  storeId!: string;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, maximum: edge.amountMinorMax, description: "replaces the role's allowance per period (minor units); the role's own when absent or null" })
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
  @ApiProperty({ type: 'integer', minimum: -edge.amountMinorMax, maximum: edge.amountMinorMax, description: 'positive tops up the period allowance, negative lowers it (never below spent + reserved); never 0' })
  @IsInt()
  @NotEquals(0)
  @Min(-edge.amountMinorMax)
  @Max(edge.amountMinorMax)
  deltaMinor!: number;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true, description: 'any instant in the period to adjust (ISO 8601 date-time with offset); now when absent or null' })
  @IsOptional()
  @IsIsoInstant()
  effectiveAt?: string;

  @ApiPropertyOptional({ type: 'string', nullable: true, minLength: 1, maxLength: edge.reasonCodeLengthMax })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(edge.reasonCodeLengthMax)
  @IsPlainText({ multiline: false })
  reasonCode?: string;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: edge.noteLengthMax })
  @IsOptional()
  @IsString()
  @MaxLength(edge.noteLengthMax)
  @IsPlainText({ multiline: true })
  note?: string;

  @ApiProperty()
  @Matches(edge.idempotencyKey, { message: 'idempotencyKey must be 1-128 printable ASCII characters without spaces' })
  idempotencyKey!: string;
}
