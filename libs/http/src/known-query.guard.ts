import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { validationFailed } from './validation.js';

/** What `@ApiOperation` and `@ApiQuery` (`@nestjs/swagger`) store on a handler. */
const apiOperation = 'swagger/apiOperation';
const apiParameters = 'swagger/apiParameters';

/** A documented route's query parameters, or null where this guard has no say (see `KnownQueryGuard`). */
const declared = new WeakMap<object, ReadonlySet<string> | null>();

/**
 * A query parameter a documented route does not take is a 400 naming it, as a body's unknown field is: a
 * mistyped `?perod=2026-11` would otherwise answer the current period as though nothing had been asked. The
 * names are the route's `@ApiQuery` ones, so the check and the OpenAPI document cannot drift apart. Routes
 * that read the whole query string themselves (`@Query()` without a name, as finance's do, naming every bad
 * or unknown parameter in one answer) and undocumented ones (health, metrics) are left to themselves.
 */
@Injectable()
export class KnownQueryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<{ query?: Record<string, unknown> }>().query;
    if (query === undefined || query === null) return true;
    let unknown: string[] | null = null;
    let known: ReadonlySet<string> | null | undefined;
    for (const name of Object.keys(query)) {
      known ??= queryNamesOf(context.getClass(), context.getHandler());
      if (known === null) return true;
      if (!known.has(name)) (unknown ??= []).push(name);
    }
    if (unknown === null) return true;
    const takes = known!.size === 0 ? 'none' : [...known!].join(', ');
    throw validationFailed(unknown.map((name) => ({ field: name, reasons: [`${name} is not a query parameter of this endpoint (it takes ${takes})`] })));
  }
}

function queryNamesOf(controller: object, handler: object): ReadonlySet<string> | null {
  let names = declared.get(handler);
  if (names !== undefined) return names;
  const args: Record<string, { data?: unknown }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, (handler as { name: string }).name) ?? {};
  const readsWholeQuery = Object.entries(args).some(([key, arg]) => key.startsWith(`${RouteParamtypes.QUERY}:`) && arg.data === undefined);
  if (readsWholeQuery || Reflect.getMetadata(apiOperation, handler) === undefined) names = null;
  else names = new Set(((Reflect.getMetadata(apiParameters, handler) ?? []) as Array<{ name: string; in: string }>).filter((p) => p.in === 'query').map((p) => p.name));
  declared.set(handler, names);
  return names;
}
