import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { employeeOfGesture, partyIdPattern } from '#ledger';
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
    return checked(value, metadata, (id) => partyIdPattern.test(id), '1-64 letters, digits or _.:@- and start with a letter or digit');
  }
}

/** A gesture's id as the ledger answered it: `@Param('gestureId', GestureIdPipe)`. */
@Injectable()
export class GestureIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    return checked(value, metadata, (id) => employeeOfGesture(id) !== null, 'a gesture id: <employeeId>~<uuid>');
  }
}
