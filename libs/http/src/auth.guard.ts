import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenVerifier, type Principal } from '#auth';
import { TOKEN_VERIFIER } from './tokens.js';
import { IS_PUBLIC } from './public.decorator.js';

/** Every route needs a valid bearer token unless marked `@Public()`; the principal rides on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const header = request.headers['authorization'];
    if (!header?.startsWith('Bearer ')) throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message: 'a bearer token is required' });
    try {
      request.principal = await this.verifier.verify(header.slice(7).trim());
    } catch (error) {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message: (error as Error).message });
    }
    return true;
  }
}
