import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { channels, feedbackKinds, type Channel, type FeedbackKind } from '#domain';
import { edge } from '../http/edge-rules.js';
import { IsIsoInstant } from '../http/is-iso-instant.js';
import { IsPlainText } from '../http/is-plain-text.js';
import { enumOrNull } from '../http/nullable.js';

/** `employeeId` on a purchase or a redemption: the associate who served the customer. */
function ServedBy(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'string',
      nullable: true,
      pattern: edge.partyId.source,
      example: 'emp-7',
      description:
        'the associate who served the customer, named by a till (an employee of its store), the CRM or an admin (an employee of the store). Omitted or null: nobody is named',
    }),
    IsOptional(),
    Matches(edge.partyId, { message: edge.partyIdMessage }),
  );
}

export class RecordPurchaseDto {
  @ApiProperty({ example: 'cust-1042' })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  customerId!: string;

  @ApiProperty({ description: 'the receipt id; a repeated purchase id is recorded once', example: 'rcpt-2026-11-23-0042' })
  @Matches(edge.idempotencyKey, { message: 'purchaseId must be 1-128 printable ASCII characters without spaces' })
  purchaseId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: edge.amountMinorMax, example: 12999 })
  @IsInt()
  @Min(1)
  @Max(edge.amountMinorMax)
  amountMinor!: number;

  @ApiProperty({ example: 'USD' })
  @Matches(edge.currency, { message: 'currency must be an ISO 4217 code such as USD' })
  currency!: string;

  @ApiProperty({ enum: channels })
  @IsIn(channels)
  channel!: Channel;

  @ApiProperty({ example: 's-nyc-5th' })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  storeId!: string;

  @ApiProperty({ format: 'date-time', description: 'ISO 8601 date-time with offset', example: '2026-11-23T15:04:05Z' })
  @IsIsoInstant()
  occurredAt!: string;

  @ServedBy()
  employeeId?: string;
}

export class RecordFeedbackDto {
  @ApiProperty({ example: 'cust-1042' })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  customerId!: string;

  @ApiProperty({ description: 'a repeated feedback id is recorded once' })
  @Matches(edge.idempotencyKey, { message: 'feedbackId must be 1-128 printable ASCII characters without spaces' })
  feedbackId!: string;

  @ApiProperty({ enum: feedbackKinds })
  @IsIn(feedbackKinds)
  kind!: FeedbackKind;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 5, description: 'required for csat' })
  @ValidateIf((o: RecordFeedbackDto) => o.kind === 'csat' || o.score !== undefined)
  @IsInt()
  @Min(1)
  @Max(5)
  score?: number;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 101, pattern: edge.gestureId.source, description: 'the gesture the feedback is about (links it to the employee); not one of the caller\'s own' })
  @IsOptional()
  @IsString()
  @Matches(edge.gestureId, { message: edge.gestureIdMessage })
  gestureId?: string;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: edge.commentLengthMax })
  @IsOptional()
  @IsString()
  @MaxLength(edge.commentLengthMax)
  @IsPlainText({ multiline: true })
  comment?: string;

  @ApiPropertyOptional(enumOrNull(channels))
  @IsOptional()
  @IsIn(channels)
  channel?: Channel;

  @ApiProperty({ format: 'date-time', description: 'ISO 8601 date-time with offset', example: '2026-11-23T15:04:05Z' })
  @IsIsoInstant()
  occurredAt!: string;
}

export class RedeemPointsDto {
  @ApiProperty({ description: 'a repeated redemption id is recorded once' })
  @Matches(edge.idempotencyKey, { message: 'redemptionId must be 1-128 printable ASCII characters without spaces' })
  redemptionId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: edge.pointsMax })
  @IsInt()
  @Min(1)
  @Max(edge.pointsMax)
  points!: number;

  @ApiProperty({ enum: channels })
  @IsIn(channels)
  channel!: Channel;

  @ApiProperty({ example: 'nyc-fifth-ave' })
  @Matches(edge.partyId, { message: edge.partyIdMessage })
  storeId!: string;

  @ApiProperty({ format: 'date-time', description: 'ISO 8601 date-time with offset', example: '2026-11-23T15:04:05Z' })
  @IsIsoInstant()
  occurredAt!: string;

  @ServedBy()
  employeeId?: string;
}
