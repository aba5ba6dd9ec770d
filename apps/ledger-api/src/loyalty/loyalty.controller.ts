import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { GestureLedger, RequestContext } from '#ledger';
import { Ctx, PartyIdParam, unwrap } from '#http';
import { ApiErrors } from '../http/api-errors.js';
import { GESTURE_LEDGER } from '../tokens.js';
import { LoyaltyExpiryDto, LoyaltySummaryDto } from './loyalty-summary.dto.js';
import { RecordFeedbackDto, RecordPurchaseDto, RedeemPointsDto } from './loyalty.dto.js';

@ApiTags('loyalty')
@ApiBearerAuth()
@Controller()
export class LoyaltyController {
  constructor(@Inject(GESTURE_LEDGER) private readonly ledger: GestureLedger) {}

  @Post('purchases')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a purchase: earns points, counts toward the rolling 12-month spend and tier' })
  @ApiOkResponse({ type: LoyaltySummaryDto })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429, 503)
  async purchase(@Body() dto: RecordPurchaseDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.recordPurchase(dto, ctx));
  }

  @Post('feedback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record customer feedback (CSAT 1-5, compliment, complaint), linked to the gesture and employee it concerns' })
  @ApiOkResponse({ type: LoyaltySummaryDto })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async feedback(@Body() dto: RecordFeedbackDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.recordFeedback(dto, ctx));
  }

  @Post('customers/:customerId/redemptions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem points (never below zero: refused with insufficient_points)' })
  @ApiOkResponse({ type: LoyaltySummaryDto })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429, 503)
  async redeem(@PartyIdParam('customerId') customerId: string, @Body() dto: RedeemPointsDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.redeemPoints({ customerId, ...dto }, ctx));
  }

  @Post('customers/:customerId/loyalty/expiry')
  @HttpCode(200)
  @ApiOperation({ summary: "Expire the customer's points that are due and re-tier them as of today (CRM or admin; a daily job for customers who stopped coming)" })
  @ApiOkResponse({ type: LoyaltyExpiryDto })
  @ApiErrors(400, 401, 403, 429, 503)
  async expire(@PartyIdParam('customerId') customerId: string, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.expireLoyalty(customerId, ctx));
  }

  @Get('customers/:customerId/loyalty')
  @ApiOperation({ summary: "A customer's points balance and tier (any authenticated caller: CRM, tills, staff, finance)" })
  @ApiOkResponse({ type: LoyaltySummaryDto })
  @ApiErrors(400, 401, 429)
  async loyalty(@PartyIdParam('customerId') customerId: string) {
    // Every role a token can carry may read a customer's balance and tier; the guard has authenticated it.
    return this.ledger.loyaltyOf(customerId);
  }
}
