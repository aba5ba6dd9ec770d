import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { hasRole, type Principal } from '#auth';
import type { GestureLedger } from '#ledger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { requestContext } from '../http/request-context.js';
import { unwrap } from '../http/results.js';
import { GESTURE_LEDGER } from '../tokens.js';
import { RecordFeedbackDto, RecordPurchaseDto, RedeemPointsDto } from './loyalty.dto.js';

@ApiTags('loyalty')
@ApiBearerAuth()
@Controller()
export class LoyaltyController {
  constructor(@Inject(GESTURE_LEDGER) private readonly ledger: GestureLedger) {}

  @Post('purchases')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a purchase: earns points, counts toward the rolling 12-month spend and tier' })
  async purchase(@Body() dto: RecordPurchaseDto, @CurrentPrincipal() principal: Principal, @Headers('x-correlation-id') correlation?: string) {
    return unwrap(await this.ledger.recordPurchase(dto, requestContext(principal, correlation)));
  }

  @Post('feedback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record customer feedback (CSAT 1-5, compliment, complaint), linked to the gesture and employee it concerns' })
  async feedback(@Body() dto: RecordFeedbackDto, @CurrentPrincipal() principal: Principal, @Headers('x-correlation-id') correlation?: string) {
    return unwrap(await this.ledger.recordFeedback(dto, requestContext(principal, correlation)));
  }

  @Post('customers/:customerId/redemptions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem points (never below zero: refused with insufficient_points)' })
  async redeem(@Param('customerId') customerId: string, @Body() dto: RedeemPointsDto, @CurrentPrincipal() principal: Principal, @Headers('x-correlation-id') correlation?: string) {
    return unwrap(await this.ledger.redeemPoints({ customerId, ...dto }, requestContext(principal, correlation)));
  }

  @Get('customers/:customerId/loyalty')
  @ApiOperation({ summary: "A customer's points balance and tier (CRM, tills, staff)" })
  async loyalty(@Param('customerId') customerId: string, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'crm', 'pos-system', 'admin', 'finance', 'associate', 'senior_associate', 'supervisor', 'manager')) {
      return unwrap({ kind: 'forbidden', reason: 'role_not_allowed' });
    }
    return this.ledger.loyaltyOf(customerId);
  }
}
