import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { policyFieldProblems, type Policy, type PolicyProblem } from '#domain';
import { mayPublishPolicy, type GestureLedger, type RequestContext } from '#ledger';
import { Ctx, notAJsonObject, unwrap, validationFailed, type FieldError } from '#http';
import { ApiErrors } from '../http/api-errors.js';
import { GESTURE_LEDGER } from '../tokens.js';
import { GestureTypeRuleDto, PolicyDto, PolicyPublishedDto, RoleRuleDto, StoreRuleDto } from './policy.dto.js';

@ApiTags('policy')
@ApiBearerAuth()
@ApiExtraModels(StoreRuleDto, RoleRuleDto, GestureTypeRuleDto)
@Controller('policy')
export class PolicyController {
  constructor(@Inject(GESTURE_LEDGER) private readonly ledger: GestureLedger) {}

  @Get()
  @ApiOperation({ summary: 'The policy in force: roles, allowances, caps, catalogue, loyalty rules, version' })
  @ApiOkResponse({ type: PolicyDto })
  @ApiErrors(401, 429, 503)
  current() {
    return this.ledger.policies.current();
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the next policy version (admins); validated as a whole, refused with every problem named' })
  @ApiBody({ type: PolicyDto, description: 'a complete policy, version = current + 1; no other fields' })
  @ApiOkResponse({ type: PolicyPublishedDto })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429)
  async publish(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const forbidden = mayPublishPolicy(ctx.principal);
    if (forbidden) return unwrap({ kind: 'forbidden', reason: forbidden });
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw validationFailed([notAJsonObject]);
    // The domain owns the policy's shape; its problems are answered like any other bad body.
    const problems = policyFieldProblems(body);
    if (problems.length > 0) throw validationFailed(byField(problems));
    const result = await this.ledger.policies.publish(body as Policy, ctx.principal.subject, { correlationId: ctx.correlationId, causationId: null, actor: ctx.principal.subject, recordedAt: new Date().toISOString() });
    return result.kind === 'published' ? result : unwrap(result);
  }
}

function byField(problems: PolicyProblem[]): FieldError[] {
  const reasons = new Map<string, string[]>();
  for (const { field, reason } of problems) reasons.set(field, [...(reasons.get(field) ?? []), reason]);
  return [...reasons].map(([field, fieldReasons]) => ({ field, reasons: fieldReasons }));
}
