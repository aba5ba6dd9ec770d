import { deterministicEventId } from '#event-store';

/** Employee and customer ids as the edge accepts them: short, URL-safe, no `~` (the gesture id separator). */
export const partyIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;
/** `partyIdPattern` in words, for every answer that refuses an id (body field, path or query parameter). */
export const partyIdRule = '1-64 letters, digits or _.:@- and start with a letter or digit';

/**
 * A gesture's id names the budget stream it lives in (`<employeeId>~<uuid>`), so approve, deny and
 * reverse can reach the right employee's stream from the id alone, without a lookup that could lag.
 * The uuid derives from the employee and the caller's idempotency key, so a retry gets the same id.
 */
export function gestureIdFor(employeeId: string, idempotencyKey: string): string {
  return `${employeeId}~${deterministicEventId(`gesture/${employeeId}/${idempotencyKey}`)}`;
}

/** A gesture id as `gestureIdFor` makes them: an employee id (`partyIdPattern` without its end), `~`, a uuid. */
export const gestureIdPattern = new RegExp(`${partyIdPattern.source.slice(0, -1)}~[0-9a-f-]{36}$`);

export function employeeOfGesture(gestureId: string): string | null {
  return gestureIdPattern.test(gestureId) ? gestureId.slice(0, gestureId.indexOf('~')) : null;
}
