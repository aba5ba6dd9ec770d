import { partyIdPattern } from '#domain';
import { deterministicEventId } from '#event-store';

export { partyIdPattern, partyIdRule } from '#domain';

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
