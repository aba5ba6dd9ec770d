import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorBodyDto, FieldErrorDto } from '../http/error-body.dto.js';
import { GestureOutcomeDto } from './gesture-outcome.dto.js';

/** One item's answer: its outcome (201), its bad fields (400), or the error body POST /gestures would have answered. */
export class GestureBatchResultDto {
  @ApiProperty({ type: 'integer', description: 'position of the item in the request' })
  index!: number;
  @ApiProperty({ type: 'integer', description: 'the status POST /gestures would have answered for this item', example: 201 })
  status!: number;
  @ApiPropertyOptional({ type: GestureOutcomeDto, description: 'when status is 201' })
  outcome?: GestureOutcomeDto;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'when the item itself is malformed (400)' })
  errors?: FieldErrorDto[];
  @ApiPropertyOptional({ type: ErrorBodyDto, description: 'any other error' })
  error?: ErrorBodyDto;
}

export class GestureBatchAnswerDto {
  @ApiProperty({ type: [GestureBatchResultDto], description: 'one per item, in request order' })
  results!: GestureBatchResultDto[];
}
