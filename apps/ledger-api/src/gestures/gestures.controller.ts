import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { GestureLedger, RequestContext } from '#ledger';
import { Ctx, errorAnswer, type FieldError, fieldErrors, GestureIdParam, notAJsonObject, toDto, unwrap, validateDto, validationFailed } from '#http';
import { ApiErrors } from '../http/api-errors.js';
import { edge } from '../http/edge-rules.js';
import { GESTURE_LEDGER } from '../tokens.js';
import { ApproveGestureDto, DecisionNoteDto } from './decide-gesture.dto.js';
import { GestureBatchAnswerDto } from './gesture-batch-answer.dto.js';
import { GestureOutcomeDto } from './gesture-outcome.dto.js';
import { GestureBatchDto, RequestGestureDto } from './request-gesture.dto.js';

@ApiTags('gestures')
@ApiBearerAuth()
@Controller('gestures')
export class GesturesController {
  constructor(@Inject(GESTURE_LEDGER) private readonly ledger: GestureLedger) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Record a discretionary gesture: granted, escalated (reserved until decided) or refused' })
  @ApiCreatedResponse({ type: GestureOutcomeDto, description: 'the outcome, a refusal included; a retry with the same idempotency key answers the first outcome' })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429, 503)
  async request(@Body() dto: RequestGestureDto, @Ctx() ctx: RequestContext) {
    const amountOrPoints = oneOfAmountOrPoints(dto);
    if (amountOrPoints.length > 0) throw validationFailed(amountOrPoints);
    return unwrap(await this.ledger.requestGesture(dto, ctx));
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOperation({ summary: "Upload a till's offline queue: each item keeps its occurredAt and gets its own answer" })
  @ApiBody({ type: GestureBatchDto })
  @ApiOkResponse({ type: GestureBatchAnswerDto, description: 'one result per item, whatever became of the others' })
  @ApiErrors(400, 401, 413, 415, 429)
  async batch(@Body() body: GestureBatchDto, @Ctx() ctx: RequestContext) {
    const items = body.items;
    if (!Array.isArray(items) || items.length === 0 || items.length > edge.batchItemsMax) {
      throw validationFailed([{ field: 'items', reasons: [`items must be an array of 1 to ${edge.batchItemsMax} gestures`] }]);
    }
    const results = await Promise.all(
      items.map(async (item, index) => {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) return { index, status: 400, errors: [notAJsonObject] };
        const dto = toDto(RequestGestureDto, item);
        const errors = [...fieldErrors(validateDto(dto)), ...oneOfAmountOrPoints(dto)];
        if (errors.length > 0) return { index, status: 400, errors };
        try {
          return { index, status: 201, outcome: unwrap(await this.ledger.requestGesture(dto, ctx)) };
        } catch (error) {
          // Other items may already be written: each is answered as POST /gestures would have been.
          const { status, body } = errorAnswer(error);
          return { index, status, error: body };
        }
      }),
    );
    return { results };
  }

  @Post(':gestureId/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve an escalated gesture, in full or in part (the rest of the reservation is released)' })
  @ApiOkResponse({ type: GestureOutcomeDto })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async approve(@GestureIdParam('gestureId') gestureId: string, @Body() dto: ApproveGestureDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.approveGesture(gestureId, dto, ctx));
  }

  @Post(':gestureId/deny')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deny an escalated gesture; its reservation is released' })
  @ApiOkResponse({ type: GestureOutcomeDto })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async deny(@GestureIdParam('gestureId') gestureId: string, @Body() dto: DecisionNoteDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.denyGesture(gestureId, dto, ctx));
  }

  @Post(':gestureId/reverse')
  @HttpCode(200)
  @ApiOperation({ summary: 'Undo a granted or approved gesture; its amount returns to the period it was charged to' })
  @ApiOkResponse({ type: GestureOutcomeDto })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async reverse(@GestureIdParam('gestureId') gestureId: string, @Body() dto: DecisionNoteDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.reverseGesture(gestureId, dto, ctx));
  }
}

export function oneOfAmountOrPoints(dto: RequestGestureDto): FieldError[] {
  if (dto.points !== undefined && dto.amountMinor !== undefined) return [{ field: 'points', reasons: ['give either amountMinor with currency, or points, not both'] }];
  return [];
}
