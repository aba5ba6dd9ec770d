import { Body, Controller, Get, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '#auth';
import type { Policy } from '#domain';
import { mayPublishPolicy, type GestureLedger } from '#ledger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { requestContext } from '../http/request-context.js';
import { unwrap } from '../http/results.js';
import { GESTURE_LEDGER } from '../tokens.js';

@ApiTags('policy')
@ApiBearerAuth()
@Controller('policy')
export class PolicyController {
  constructor(@Inject(GESTURE_LEDGER) private readonly ledger: GestureLedger) {}

  @Get()
  @ApiOperation({ summary: 'The policy in force: roles, allowances, caps, catalogue, loyalty rules, version' })
  current() {
    return this.ledger.policies.current();
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the next policy version (admins); validated as a whole, refused with every problem named' })
  @ApiBody({ schema: { type: 'object', description: 'a complete policy, version = current + 1' } })
  async publish(@Body() policy: Policy, @CurrentPrincipal() principal: Principal, @Headers('x-correlation-id') correlation?: string) {
    const forbidden = mayPublishPolicy(principal);
    if (forbidden) return unwrap({ kind: 'forbidden', reason: forbidden });
    const ctx = requestContext(principal, correlation);
    const result = await this.ledger.policies.publish(policy, principal.subject, { correlationId: ctx.correlationId, causationId: null, actor: principal.subject, recordedAt: new Date().toISOString() });
    return result.kind === 'published' ? result : unwrap(result);
  }
}
