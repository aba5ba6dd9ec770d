import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import { CurrentPrincipal } from '#http';
import { recognitionScope, type FinanceViews } from '#projections';
import { forbidden, parseQuery, periodDaysMax } from './finance-request.js';
import { FINANCE_VIEWS } from './tokens.js';

@ApiTags('finance')
@ApiBearerAuth()
@Controller('recognition')
export class RecognitionController {
  constructor(@Inject(FINANCE_VIEWS) private readonly views: FinanceViews) {}

  @Get()
  @ApiOperation({ summary: 'Compliments, complaints and CSAT after gestures per employee and store (finance/admin all; a manager their store; staff their own)' })
  @ApiQuery({ name: 'from', required: true })
  @ApiQuery({ name: 'to', required: true })
  @ApiQuery({ name: 'asOf', required: false })
  @ApiQuery({ name: 'storeId', required: false })
  @ApiQuery({ name: 'employeeId', required: false })
  async recognition(@Query() raw: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    const asked = parseQuery(raw, (q) => ({ ...q.period(periodDaysMax.recognition), storeId: q.id('storeId'), employeeId: q.id('employeeId') }));
    const scope = recognitionScope(principal, asked);
    if (scope.kind === 'forbidden') throw forbidden(scope.reason);
    return this.views.recognition({ ...asked, storeId: scope.storeId, employeeId: scope.employeeId });
  }
}
