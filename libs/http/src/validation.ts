import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export interface FieldError {
  field: string;
  reasons: string[];
}

/** Flattens class-validator's tree into one entry per bad field, with its dotted path. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, reasons: Object.values(error.constraints) }] : [];
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

export function validationFailed(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'validation failed', errors });
}

const plainTypes = new Set<unknown>([String, Number, Boolean, Array, Object]);

/**
 * Validates request bodies against their class-validator DTO: unknown fields are refused, every field
 * is checked, and the 400 names each bad field and why. Synchronous (`validateSync`): no DTO here has an
 * async rule, and Nest's generic ValidationPipe walks every body several times and awaits on each one,
 * which measured as the largest framework cost per gesture. Prototype-poisoning keys never get this far:
 * Fastify's body parser rejects them.
 */
@Injectable()
export class BodyValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const metatype = metadata.metatype;
    if (metadata.type !== 'body' || !metatype || plainTypes.has(metatype)) return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw validationFailed([{ field: 'body', reasons: ['the body must be a JSON object'] }]);
    const dto = plainToInstance(metatype, value) as object;
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } });
    if (errors.length > 0) throw validationFailed(fieldErrors(errors));
    return dto;
  }
}

export const validationPipe = new BodyValidationPipe();
