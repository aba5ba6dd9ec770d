import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsIn, IsInt, Matches, Max, Min, ValidateIf } from 'class-validator';
import { channels, gestureTypes, type Channel, type GestureType } from '#domain';
import { edge } from '../http/edge-rules.js';
import { IsIsoInstant } from '../http/is-iso-instant.js';
import { DecisionNoteDto } from './decide-gesture.dto.js';

/** A discretionary gesture as a till, a call-center desktop or the employee's app sends it; `reasonCode` and `note` say why. */
export class RequestGestureDto extends DecisionNoteDto {
  @ApiProperty({ example: 'emp-7', pattern: edge.partyId.source, description: "whose discretion budget is charged" })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  employeeId!: string;

  @ApiProperty({ example: 'cust-1042', pattern: edge.partyId.source })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  customerId!: string;

  @ApiProperty({ enum: gestureTypes, example: 'goodwill_credit' })
  @IsIn(gestureTypes)
  gestureType!: GestureType;

  @ApiPropertyOptional({ type: 'integer', description: 'cost in minor units (e.g. cents); required unless points is given', example: 1500, minimum: 1, maximum: edge.amountMinorMax })
  @ValidateIf((o: RequestGestureDto) => o.points === undefined || o.amountMinor !== undefined)
  @IsInt()
  @Min(1)
  @Max(edge.amountMinorMax)
  amountMinor?: number;

  @ApiPropertyOptional({ description: 'ISO 4217 code; required with amountMinor', example: 'USD' })
  @ValidateIf((o: RequestGestureDto) => o.amountMinor !== undefined || o.currency !== undefined)
  @Matches(edge.currency, { message: 'currency must be an ISO 4217 code such as USD' })
  currency?: string;

  // Absent, not null: a null here would be a points gesture worth nothing.
  @ApiPropertyOptional({ type: 'integer', description: 'bonus loyalty points, for bonus_loyalty_points only (instead of amountMinor)', minimum: 1, maximum: edge.pointsMax })
  @ValidateIf((o: RequestGestureDto) => o.points !== undefined)
  @IsInt()
  @Min(1)
  @Max(edge.pointsMax)
  points?: number;

  @ApiProperty({ enum: channels, example: 'pos' })
  @IsIn(channels)
  channel!: Channel;

  @ApiProperty({ example: 's-nyc-5th', description: 'where the gesture happened' })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  storeId!: string;

  @ApiProperty({ format: 'date-time', description: "the till's clock, ISO 8601 date-time with offset; kept as sent for offline uploads", example: '2026-11-23T15:04:05Z' })
  @IsIsoInstant()
  occurredAt!: string;

  @ApiProperty({ description: 'unique per employee per gesture; a retry with the same key returns the first outcome', example: 'till-12:000184' })
  @Matches(edge.idempotencyKey, { message: 'idempotencyKey must be 1-128 printable ASCII characters without spaces' })
  idempotencyKey!: string;
}

export class GestureBatchDto {
  @ApiProperty({ type: [RequestGestureDto], minItems: 1, maxItems: edge.batchItemsMax, description: `1-${edge.batchItemsMax} gestures queued offline; each is validated and answered on its own` })
  @IsArray()
  items!: unknown[];
}
