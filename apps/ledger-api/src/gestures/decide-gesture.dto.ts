import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { edge } from '../http/edge-rules.js';

/** Why an approver or a reverser acted. */
export class DecisionNoteDto {
  @ApiPropertyOptional({ maxLength: edge.reasonCodeLengthMax })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(edge.reasonCodeLengthMax)
  reasonCode?: string;

  @ApiPropertyOptional({ maxLength: edge.noteLengthMax })
  @IsOptional()
  @IsString()
  @MaxLength(edge.noteLengthMax)
  note?: string;
}

export class ApproveGestureDto extends DecisionNoteDto {
  @ApiPropertyOptional({ description: 'approve part of the reserved amount (minor units); the whole reservation by default', minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(edge.amountMinorMax)
  approvedAmountMinor?: number;
}
