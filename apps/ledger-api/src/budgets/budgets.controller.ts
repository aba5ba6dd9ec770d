import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import type { GestureLedger, RequestContext } from '#ledger';
import { Ctx, CurrentPrincipal, PartyIdParam, unwrap } from '#http';
import { ApiErrors } from '../http/api-errors.js';
import { GESTURE_LEDGER } from '../tokens.js';
import { BudgetViewDto } from './budget-view.dto.js';
import { AdjustBudgetDto, AllocateBudgetDto } from './budget.dto.js';

@ApiTags('budgets')
@ApiBearerAuth()
@Controller('budgets')
export class BudgetsController {
  constructor(@Inject(GESTURE_LEDGER) private readonly ledger: GestureLedger) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: "Enrol an employee: role, home store, optional allowance override (managers of the store, admins)" })
  @ApiOkResponse({ type: BudgetViewDto })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429, 503)
  async allocate(@Body() dto: AllocateBudgetDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.allocateBudget(dto, ctx));
  }

  @Post(':employeeId/adjustments')
  @HttpCode(200)
  @ApiOperation({ summary: "Top up (or lower) one period's allowance" })
  @ApiOkResponse({ type: BudgetViewDto })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429, 503)
  async adjust(@PartyIdParam('employeeId') employeeId: string, @Body() dto: AdjustBudgetDto, @Ctx() ctx: RequestContext) {
    return unwrap(await this.ledger.adjustBudget(employeeId, dto, ctx));
  }

  @Get(':employeeId')
  @ApiOperation({ summary: 'The budget as of now: allowance, spent, reserved and remaining per period, pending escalations. The employee, staff of a higher role in their store, head office, finance, admin.' })
  @ApiOkResponse({ type: BudgetViewDto })
  @ApiErrors(400, 401, 403, 404, 429)
  async get(@PartyIdParam('employeeId') employeeId: string, @CurrentPrincipal() principal: Principal) {
    return unwrap(await this.ledger.budget(employeeId, principal));
  }
}
