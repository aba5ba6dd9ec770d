import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isIsoInstant } from '#domain';

/**
 * The domain's instant (a full date-time with an offset), on a day and at an hour that exist.
 * Date.parse, which the domain's check rests on, rolls 2026-02-30 over to March 2 and 24:00 over to
 * the next day, while the ledger records a till's clock as sent.
 */
export function isRealIsoInstant(value: unknown): boolean {
  if (typeof value !== 'string' || !isIsoInstant(value)) return false;
  const [year, month, day, hour] = [value.slice(0, 4), value.slice(5, 7), value.slice(8, 10), value.slice(11, 13)].map(Number) as [number, number, number, number];
  // Leap years repeat every 400 years; shifting keeps Date.UTC away from its 1900s reading of years 0-99.
  const daysInMonth = new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
  return day <= daysInMonth && hour <= 23;
}

/** An ISO-8601 instant as the domain takes it: 2026-11-23T15:04:05Z or 2026-11-23T10:04:05.120-05:00. */
export function IsIsoInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoInstant',
      validator: {
        validate: (value: unknown) => isRealIsoInstant(value),
        defaultMessage: (args) => `${args?.property} must be an ISO-8601 date-time with an offset, such as 2026-11-23T15:04:05Z`,
      },
    },
    options,
  );
}
