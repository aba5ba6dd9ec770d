import type { ApiPropertyOptions } from '@nestjs/swagger';

/**
 * The schema of a field holding one of `values`, or null. OpenAPI 3.0 reads `nullable` as adding null to
 * the type, not to an enum, so a client validating answers against the document refuses a null the enum
 * does not list.
 */
export function enumOrNull(values: readonly string[]): ApiPropertyOptions {
  return { type: 'string', enum: [...values, null] as string[], nullable: true };
}
