import { HttpException, Inject, Injectable, Optional, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenVerifier, type Principal } from '#auth';
import { TOKEN_VERIFIER } from './tokens.js';
import { IS_PUBLIC } from './public.decorator.js';
import { ClientQuotas } from './rate-limit.js';

/**
 * Every route needs a valid bearer token unless marked `@Public()`; the principal rides on the request.
 * A failed authentication counts against its address's quota (when the rate limit is installed), and
 * is answered 429 instead of 401 once that quota is spent.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
    @Optional() private readonly quotas?: ClientQuotas,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; ip: string; principal?: Principal }>();
    const header = request.headers['authorization'];
    if (!header?.startsWith('Bearer ')) throw this.failed(context, request.ip, 'a bearer token is required');
    try {
      request.principal = await this.verifier.verify(header.slice(7).trim());
    } catch (error) {
      throw this.failed(context, request.ip, (error as Error).message);
    }
    return true;
  }

  private failed(context: ExecutionContext, address: string, message: string): HttpException {
    const retryAfterSeconds = this.quotas?.hit(undefined, address) ?? 0;
    if (retryAfterSeconds > 0) return this.quotas!.tooMany(context.switchToHttp().getResponse(), undefined, retryAfterSeconds);
    return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message });
  }
}
