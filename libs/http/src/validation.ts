import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { getMetadataStorage, validateSync, ValidationTypes, type ValidationArguments, type ValidatorOptions } from 'class-validator';

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

/** What a body that is not a JSON object (null, an array, a number) is told. */
export const notAJsonObject: FieldError = { field: 'body', reasons: ['the body must be a JSON object'] };

export function validationFailed(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'validation failed', errors });
}

const plainTypes = new Set<unknown>([String, Number, Boolean, Array, Object]);

/** The options every body is validated with: unknown fields refused, nothing echoed back in errors. */
export const bodyValidatorOptions: ValidatorOptions = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } };

export type DtoClass = new () => object;
/** Whether an instance passes every rule of its class; the errors, when it does not, come from `validateSync`. */
type Verdict = (dto: Record<string, unknown>) => boolean;

/**
 * A JSON body as an instance of its DTO class, so the class's rules apply. Every DTO here is flat and
 * uses no class-transformer decorators, so copying the fields is all `plainToInstance` would do, at a
 * fraction of its cost.
 */
export function toDto<T extends object>(metatype: new () => T, body: object): T {
  const dto = new metatype();
  if (!instanceKeys.some((key) => Object.hasOwn(body, key))) return Object.assign(dto, body);
  // Copied as plain fields (Object.assign would run the __proto__ setter), for `validateDto` to refuse by name.
  for (const [key, value] of Object.entries(body)) Object.defineProperty(dto, key, { value, writable: true, enumerable: true, configurable: true });
  return dto;
}

/**
 * Fields no DTO has that, on an instance, stand for what it is: its prototype, or the class its rules are
 * looked up by. JSON.parse makes them ordinary keys (Fastify refuses only `__proto__`, and `constructor`
 * holding a `prototype`), so `{"constructor": null}` would otherwise crash the validation (a 500 over HTTP,
 * a message retried forever over Kafka) instead of being an unknown field. The other names every object
 * inherits (`hasOwnProperty`, `isPrototypeOf`, …) are refused here too: class-validator looks fields up in a
 * plain object, finds the inherited function, and would let them through as known.
 */
const instanceKeys = Object.getOwnPropertyNames(Object.prototype);

/**
 * Validates a DTO instance with class-validator's own rules and messages. The rules of each class are
 * read from class-validator's metadata once and run directly; class-validator's executor (which
 * regroups the metadata and builds an error tree on every call) runs only for bodies that fail, to
 * name every bad field exactly as before. A class using anything beyond plain synchronous rules
 * (nested or async validation) always goes through class-validator.
 */
export function validateDto(dto: object): ValidationError[] {
  const shadowing = instanceKeys.filter((key) => Object.hasOwn(dto, key));
  if (shadowing.length > 0) {
    const metatype = Object.getPrototypeOf(dto).constructor as DtoClass;
    const rest = Object.assign(new metatype(), Object.fromEntries(Object.entries(dto).filter(([key]) => !shadowing.includes(key))));
    return [...shadowing.map((property) => ({ property, constraints: { whitelistValidation: `property ${property} should not exist` }, children: [] })), ...validateDto(rest)];
  }
  const verdict = verdictFor(dto.constructor as DtoClass);
  if (verdict !== null && verdict(dto as Record<string, unknown>)) return [];
  return validateSync(dto, bodyValidatorOptions);
}

const verdicts = new Map<DtoClass, Verdict | null>();
const verdictClassesMax = 1_000;

function verdictFor(metatype: DtoClass): Verdict | null {
  let verdict = verdicts.get(metatype);
  if (verdict === undefined) {
    verdict = compileVerdict(metatype);
    if (verdicts.size < verdictClassesMax) verdicts.set(metatype, verdict);
  }
  return verdict;
}

interface CompiledRule {
  validateIf: ((object: object, value: unknown) => boolean) | undefined;
  each: boolean;
  validate: (value: unknown, args: ValidationArguments) => unknown;
  /** Reused between calls: the rules are synchronous and keep no reference to it. */
  args: ValidationArguments;
}

interface CompiledProperty {
  name: string;
  conditions: Array<(object: object, value: unknown) => boolean>;
  rules: CompiledRule[];
}

/** Mirrors class-validator's executor for the options above; null when the class needs more than it mirrors. */
function compileVerdict(metatype: DtoClass): Verdict | null {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(metatype, undefined as unknown as string, false, false, undefined);
  if (metadatas.length === 0) return null;
  const known = new Set<string>();
  const byName = new Map<string, CompiledProperty>();
  for (const metadata of metadatas) {
    known.add(metadata.propertyName);
    let property = byName.get(metadata.propertyName);
    if (property === undefined) byName.set(metadata.propertyName, (property = { name: metadata.propertyName, conditions: [], rules: [] }));
    switch (metadata.type) {
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.CONDITIONAL_VALIDATION:
        property.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION:
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          if (constraint.async) return null;
          const instance = constraint.instance;
          property.rules.push({
            validateIf: metadata.validateIf,
            each: metadata.each,
            validate: (value, args) => instance.validate(value, args),
            args: { targetName: metatype.name, property: metadata.propertyName, object: {}, value: undefined, constraints: metadata.constraints },
          });
        }
        break;
      default:
        return null;
    }
  }
  const properties = [...byName.values()];
  return (dto) => {
    for (const key in dto) if (Object.hasOwn(dto, key) && !known.has(key)) return false;
    for (const property of properties) {
      const value = dto[property.name];
      if (!property.conditions.every((condition) => condition(dto, value))) continue;
      for (const rule of property.rules) if (!passes(rule, dto, value)) return false;
    }
    return true;
  };
}

function passes(rule: CompiledRule, dto: object, value: unknown): boolean {
  if (rule.validateIf !== undefined && !rule.validateIf(dto, value)) return true;
  rule.args.object = dto;
  rule.args.value = value;
  if (rule.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
    for (const item of Array.isArray(value) ? value : [...value.values()]) if (!isTrue(rule.validate(item, rule.args))) return false;
    return true;
  }
  return isTrue(rule.validate(value, rule.args));
}

/** A promise (an async rule slipped in) is not a pass: class-validator then decides. */
const isTrue = (result: unknown): boolean => result === true || (result !== false && typeof (result as Promise<unknown>)?.then !== 'function' && Boolean(result));

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
    if (metadata.type !== 'body' || !isDtoClass(metadata.metatype)) return value;
    const body = checkBody(value, metadata.metatype);
    if ('errors' in body) throw validationFailed(body.errors);
    return body.dto;
  }
}

/** Whether a parameter's declared type is a DTO class a body is validated against (not `unknown`, `object` or a primitive). */
export const isDtoClass = (metatype: unknown): metatype is DtoClass => typeof metatype === 'function' && !plainTypes.has(metatype);

/** The body as an instance of its DTO class, or every field that keeps it from being one, as the 400 names them. */
export function checkBody(value: unknown, metatype: DtoClass): { dto: object } | { errors: FieldError[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { errors: [notAJsonObject] };
  const dto = toDto(metatype, value);
  const errors = validateDto(dto);
  return errors.length > 0 ? { errors: fieldErrors(errors) } : { dto };
}

export const validationPipe = new BodyValidationPipe();
