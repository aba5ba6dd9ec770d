import { Injectable, Param, type ArgumentMetadata, type PipeTransform, type Type } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { employeeOfGesture, gestureIdPattern, partyIdPattern, partyIdRule } from '#ledger';
import { validationFailed } from './validation.js';

/*
 * Ids taken from the path are checked like body fields: one that cannot be an id is a 400 naming the
 * path parameter (the name given to `@Param`), before the handler reaches the ledger or a read model.
 * Nest runs pipes after guards, so a request without a token is still a 401 first.
 */

function checked(value: unknown, metadata: ArgumentMetadata, isId: (value: string) => boolean, rule: string): string {
  if (typeof value === 'string' && isId(value)) return value;
  const field = metadata.data ?? 'path';
  throw validationFailed([{ field, reasons: [`${field} must be ${rule}`] }]);
}

/** An employee or customer id: `@Param('employeeId', PartyIdPipe)`. */
@Injectable()
export class PartyIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    return checked(value, metadata, (id) => partyIdPattern.test(id), partyIdRule);
  }
}

/** A gesture's id as the ledger answered it: `@Param('gestureId', GestureIdPipe)`. */
@Injectable()
export class GestureIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    return checked(value, metadata, (id) => employeeOfGesture(id) !== null, 'a gesture id: <employeeId>~<uuid>');
  }
}

/**
 * A path id checked by its pipe and documented with the same pattern, so the two cannot drift apart and a
 * generated client refuses locally what the server would answer with a 400:
 * `approve(@GestureIdParam('gestureId') gestureId: string)`.
 */
function idParam(name: string, pipe: Type<PipeTransform>, pattern: RegExp, description: string): ParameterDecorator {
  return (target, key, index) => {
    Param(name, pipe)(target, key, index);
    if (key === undefined) return;
    const method = Object.getOwnPropertyDescriptor(target, key)!;
    ApiParam({ name, required: true, description, schema: { type: 'string', pattern: pattern.source } })(target, key, method);
  };
}

/** An employee or customer id in the path, checked by `PartyIdPipe`. */
export const PartyIdParam = (name: string): ParameterDecorator => idParam(name, PartyIdPipe, partyIdPattern, 'An employee or customer id.');

/** A gesture id in the path, as the ledger answered it, checked by `GestureIdPipe`. */
export const GestureIdParam = (name: string): ParameterDecorator => idParam(name, GestureIdPipe, gestureIdPattern, 'A gesture id as the ledger answered it: `<employeeId>~<uuid>`.');
