import { ValidateBy, type ValidationOptions } from 'class-validator';

/** C0 controls and DEL; tab, line feed and carriage return are allowed where text may span lines. */
const controlCharacters = /[\x00-\x1f\x7f]/;
const controlCharactersButLineBreaks = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * Text a person typed: well-formed Unicode (no unpaired UTF-16 surrogate, which no database stores as
 * text) and no control characters, which no keyboard types and the event store refuses (NUL).
 */
export function isPlainText(value: unknown, multiline: boolean): boolean {
  return typeof value === 'string' && value.isWellFormed() && !(multiline ? controlCharactersButLineBreaks : controlCharacters).test(value);
}

/** Free text: a note or a comment (`multiline`), or a one-line code or id. */
export function IsPlainText(shape: { multiline: boolean }, options?: ValidationOptions): PropertyDecorator {
  const but = shape.multiline ? ' other than tab and line breaks' : '';
  return ValidateBy(
    {
      name: 'isPlainText',
      validator: {
        validate: (value: unknown) => isPlainText(value, shape.multiline),
        defaultMessage: (args) => `${args?.property} must be Unicode text without control characters${but}`,
      },
    },
    options,
  );
}
