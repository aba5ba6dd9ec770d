import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** The JSON Schemas are data files beside the sources (`libs/messaging/schemas`), not compiled into dist. */
export function schemasDirectory(): string {
  const candidates = [new URL('../schemas/', import.meta.url), new URL('../../../../libs/messaging/schemas/', import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((dir) => existsSync(`${dir}common.json`));
  if (!found) throw new Error(`libs/messaging/schemas not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface SchemaBook {
  /** Every schema by file name without `.json` (`GestureGranted`, `CustomerLoyaltyState`, `common`...). */
  readonly names: readonly string[];
  /** Validates `value` against the named schema; returns the problems, empty when it conforms. */
  problems(name: string, value: unknown): string[];
}

/** All schemas compiled with Ajv (draft 2020-12, formats checked); cross-file `$ref`s resolve by `$id`. */
export function loadSchemaBook(directory = schemasDirectory()): SchemaBook {
  const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictRequired: false, keywords: ['x-partition-key'] }));
  const files = readdirSync(directory).filter((f) => f.endsWith('.json'));
  const byName = new Map<string, { $id: string }>();
  for (const file of files) {
    const schema = JSON.parse(readFileSync(`${directory}/${file}`, 'utf8')) as { $id: string };
    ajv.addSchema(schema);
    byName.set(file.slice(0, -5), schema);
  }
  // Compiled up front, so a schema Ajv cannot compile fails at load, not at the first message of its type.
  const compiled = new Map<string, ValidateFunction>([...byName].map(([name, schema]) => [name, ajv.getSchema(schema.$id)!]));
  return {
    names: [...byName.keys()].sort(),
    problems(name, value) {
      const schema = byName.get(name);
      if (!schema) return [`no schema named ${name}`];
      const validate = compiled.get(name)!;
      return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    },
  };
}
