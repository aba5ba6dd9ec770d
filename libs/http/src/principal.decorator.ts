import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '#auth';

/** The authenticated caller, set by `AuthGuard`. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without AuthGuard');
  return principal;
});
