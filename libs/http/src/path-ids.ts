import { Param, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ApiParam } from '@nestjs/swagger';
import { gestureIdPattern, partyIdPattern, partyIdRule } from '#ledger';
import { checkBody, isDtoClass, validationFailed, type FieldError } from './validation.js';

/*
 * Ids taken from the path are checked like body fields: one that cannot be an id is a 400 naming the path
 * parameter (the name given to the decorator), before the handler reaches the ledger or a read model.
 * The check is a guard of the route rather than a pipe: Nest reads a route's arguments concurrently and
 * answers with the first pipe that throws, so a path pipe and the body pipe could each name only their
 * own fields. A guard runs before any argument is read, so it sees the path and the body together and
 * one 400 names every bad field of both. Route guards run after the global ones: a request without a
 * token is still a 401 first.
 */

interface PathId {
  name: string;
  index: number;
  pattern: RegExp;
  rule: string;
}

const isId = (value: string | undefined, pattern: RegExp): boolean => typeof value === 'string' && pattern.test(value);

/** Collects the errors of a route's query values, as its handler checks them. */
export type QueryCheck = (query: Readonly<Record<string, string | undefined>>) => FieldError[];

class PathIdsGuard implements CanActivate {
  /** In the order of the handler's parameters. */
  readonly ids: PathId[] = [];
  queryCheck: QueryCheck | null = null;

  constructor(
    private readonly controller: object,
    private readonly handler: string | symbol,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string | undefined>; query?: Record<string, string | undefined>; body?: unknown }>();
    if (this.ids.every(({ name, pattern }) => isId(request.params[name], pattern))) return true;
    const badIds = this.ids.filter(({ name, pattern }) => !isId(request.params[name], pattern));
    throw validationFailed([
      ...badIds.map(({ name, rule }) => ({ field: name, reasons: [`${name} must be ${rule}`] })),
      ...(this.queryCheck?.(request.query ?? {}) ?? []),
      ...this.bodyErrors(request.body),
    ]);
  }

  /** The fields the body pipe would have named: the handler's `@Body()` parameter checked against its DTO class. */
  private bodyErrors(body: unknown): FieldError[] {
    const args: Record<string, { index: number; data?: unknown }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, this.controller.constructor, this.handler) ?? {};
    const param = Object.entries(args).find(([key]) => key.startsWith(`${RouteParamtypes.BODY}:`))?.[1];
    const metatype: unknown = param && Reflect.getMetadata('design:paramtypes', this.controller, this.handler)?.[param.index];
    if (!param || !isDtoClass(metatype)) return [];
    const value = typeof param.data === 'string' ? (body as Record<string, unknown> | null | undefined)?.[param.data] : body;
    const checked = checkBody(value, metatype);
    return 'errors' in checked ? checked.errors : [];
  }
}

/** One guard per handler, holding every path id it takes. */
const guards = new WeakMap<object, PathIdsGuard>();

/**
 * A path id checked by the route's guard and documented with the same pattern, so the two cannot drift
 * apart and a generated client refuses locally what the server would answer with a 400:
 * `approve(@GestureIdParam('gestureId') gestureId: string)`.
 */
function idParam(name: string, pattern: RegExp, rule: string, description: string): ParameterDecorator {
  return (target, key, index) => {
    Param(name)(target, key, index);
    if (key === undefined) return;
    const method = Object.getOwnPropertyDescriptor(target, key)!;
    ApiParam({ name, required: true, description, schema: { type: 'string', pattern: pattern.source } })(target, key, method);
    const guard = guardOf(target, key, method);
    guard.ids.push({ name, index, pattern, rule });
    guard.ids.sort((a, b) => a.index - b.index);
  };
}

function guardOf(target: object, key: string | symbol, method: PropertyDescriptor): PathIdsGuard {
  let guard = guards.get(method.value);
  if (guard === undefined) {
    guards.set(method.value, (guard = new PathIdsGuard(target, key)));
    UseGuards(guard)(target, key, method);
  }
  return guard;
}

/**
 * For a route that takes a path id and checks query values in its handler: when the id is bad, the guard
 * answers before the handler runs, and names the query's bad values too (with `check`, the handler's own).
 */
export function QueryChecks(check: QueryCheck): MethodDecorator {
  return (target, key, method) => {
    guardOf(target, key, method).queryCheck = check;
  };
}

/** An employee or customer id in the path. */
export const PartyIdParam = (name: string): ParameterDecorator => idParam(name, partyIdPattern, partyIdRule, 'An employee or customer id.');

/** A gesture id in the path, as the ledger answered it. */
export const GestureIdParam = (name: string): ParameterDecorator => idParam(name, gestureIdPattern, 'a gesture id: <employeeId>~<uuid>', 'A gesture id as the ledger answered it: `<employeeId>~<uuid>`.');
