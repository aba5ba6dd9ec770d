import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import { CurrentPrincipal, PartyIdParam, unwrap, type FieldError } from '#http';
import type { ReadQueries } from '#projections';
import { boundedInteger, checked, partyId } from './query-params.js';
import { READ_QUERIES } from './tokens.js';

@ApiTags('read models')
@ApiBearerAuth()
@Controller('read/customers')
export class CustomersReadController {
  constructor(@Inject(READ_QUERIES) private readonly queries: ReadQueries) {}

  @Get()
  @ApiOperation({ summary: 'Customers with a points balance or a tier, in id order, a page at a time: what a loyalty expiry run goes through (CRM, admin)' })
  @ApiQuery({ name: 'after', required: false, description: 'the `next` cursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 500' })
  async withLoyalty(@Query('after') after: string | undefined, @Query('limit') limit: string | undefined, @CurrentPrincipal() principal: Principal) {
    const errors: FieldError[] = [];
    const page = checked(errors, { after: after === undefined || after === '' ? null : partyId('after', after, errors), limit: boundedInteger('limit', limit, 500, 1_000, errors) });
    return unwrap(await this.queries.loyaltyStandings(principal, page));
  }

  @Get(':customerId')
  @ApiOperation({ summary: 'Customer 360 for the CRM: points, tier, lifetime and 12-month spend, gestures received over 30/90/365 days (values per currency, by type), last feedback, open escalations (CRM, finance, admin, supervisors and managers)' })
  async customer(@PartyIdParam('customerId') customerId: string, @CurrentPrincipal() principal: Principal) {
    return unwrap(await this.queries.customer360(principal, customerId));
  }
}
