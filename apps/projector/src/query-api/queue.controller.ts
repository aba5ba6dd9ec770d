import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import { CurrentPrincipal, unwrap, type FieldError } from '#http';
import type { ReadQueries } from '#projections';
import { boundedInteger, checked } from './query-params.js';
import { READ_QUERIES } from './tokens.js';

@ApiTags('read models')
@ApiBearerAuth()
@Controller('read/supervisors/me/queue')
export class QueueReadController {
  constructor(@Inject(READ_QUERIES) private readonly queries: ReadQueries) {}

  @Get()
  @ApiOperation({ summary: "Escalations waiting for the caller, oldest first, each with the customer's standing and recent gestures: their store's (every store for head office), addressed to their role or below, never their own" })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  async queue(@Query('limit') limit: string | undefined, @CurrentPrincipal() principal: Principal) {
    const errors: FieldError[] = [];
    const n = checked(errors, boundedInteger('limit', limit, 50, 200, errors));
    return unwrap(await this.queries.approvalQueue(principal, n));
  }
}
