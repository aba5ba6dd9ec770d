import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { edge } from '../http/edge-rules.js';
import { IsPlainText } from '../http/is-plain-text.js';

/** Why an approver or a reverser acted. */
export class DecisionNoteDto {
  @ApiPropertyOptional({ type: 'string', nullable: true, minLength: 1, maxLength: edge.reasonCodeLengthMax })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(edge.reasonCodeLengthMax)
  @IsPlainText({ multiline: false })
  reasonCode?: string | null;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: edge.noteLengthMax })
  @IsOptional()
  @IsString()
  @MaxLength(edge.noteLengthMax)
  @IsPlainText({ multiline: true })
  note?: string | null;
}

export class ApproveGestureDto extends DecisionNoteDto {
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: edge.amountMinorMax, description: 'approve part of the reserved amount (minor units); the whole reservation when absent or null' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(edge.amountMinorMax)
  approvedAmountMinor?: number;
}
