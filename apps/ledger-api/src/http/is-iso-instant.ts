import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isIsoInstant } from '#domain';

/** An ISO-8601 instant as the domain takes it (2026-11-23T15:04:05Z or 2026-11-23T10:04:05.120-05:00), on a day and at an hour that exist. */
export function IsIsoInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isIsoInstant(value),
        defaultMessage: (args) => `${args?.property} must be an ISO-8601 date-time with an offset, such as 2026-11-23T15:04:05Z`,
      },
    },
    options,
  );
}
