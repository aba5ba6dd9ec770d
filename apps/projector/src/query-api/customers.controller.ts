import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import { CurrentPrincipal, unwrap, type FieldError } from '#http';
import type { ReadQueries } from '#projections';
import { checked, partyId } from './query-params.js';
import { READ_QUERIES } from './tokens.js';

@ApiTags('read models')
@ApiBearerAuth()
@Controller('read/customers')
export class CustomersReadController {
  constructor(@Inject(READ_QUERIES) private readonly queries: ReadQueries) {}

  @Get(':customerId')
  @ApiOperation({ summary: 'Customer 360 for the CRM: points, tier, lifetime and 12-month spend, gestures received over 30/90/365 days by type, last feedback, open escalations (CRM, finance, admin, supervisors and managers)' })
  async customer(@Param('customerId') customerId: string, @CurrentPrincipal() principal: Principal) {
    const errors: FieldError[] = [];
    return unwrap(await this.queries.customer360(principal, checked(errors, partyId('customerId', customerId, errors))));
  }
}
