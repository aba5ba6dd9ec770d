import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Policy } from '#domain';
import { mayPublishPolicy, type GestureLedger, type RequestContext } from '#ledger';
import { Ctx, unwrap } from '#http';
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
  async publish(@Body() policy: Policy, @Ctx() ctx: RequestContext) {
    const forbidden = mayPublishPolicy(ctx.principal);
    if (forbidden) return unwrap({ kind: 'forbidden', reason: forbidden });
        const result = await this.ledger.policies.publish(policy, ctx.principal.subject, { correlationId: ctx.correlationId, causationId: null, actor: ctx.principal.subject, recordedAt: new Date().toISOString() });
    return result.kind === 'published' ? result : unwrap(result);
  }
}
