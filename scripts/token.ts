/**
 * `npm run token -- --role supervisor --sub emp-7 --store s-1`: mints a development bearer token with
 * the same settings the services read (JWT_SECRET, or the development secret under DATA_DIR). It prints
 * only a token the services accept: the minted token goes through the services' own check first.
 */
import { parseArgs } from 'node:util';
import { isCallerRole, mintToken, TokenVerifier, type CallerRole } from '#auth';
import { ConfigurationError, loadSettings } from '#config';

const usage = 'usage: npm run token -- --role <associate|senior_associate|supervisor|manager|finance|crm|pos-system|admin> --sub <subject> [--store <store id>] [--ttl <seconds>]';

/** Exits 2 with one line: the developer's to fix, no stack trace. */
function refuse(reason: string): never {
  console.error(reason);
  process.exit(2);
}

let values: { role?: string[]; sub?: string; store?: string; ttl: string };
try {
  ({ values } = parseArgs({
    options: { role: { type: 'string', multiple: true }, sub: { type: 'string' }, store: { type: 'string' }, ttl: { type: 'string', default: '28800' } },
  }));
} catch (error) {
  refuse(`${(error as Error).message}\n${usage}`);
}
const roles = (values.role ?? []).flatMap((r) => r.split(','));
if (!values.sub || roles.length === 0 || !roles.every(isCallerRole)) refuse(usage);
// A till acts for employees of its own store only: without a store every request of it is refused (403).
if (roles.includes('pos-system') && !values.store) refuse('a pos-system token needs --store <store id>: a till acts for its own store only');
const ttlSeconds = Number(values.ttl);
if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) refuse(`--ttl must be a whole number of seconds above 0, got "${values.ttl}"`);
try {
  const settings = loadSettings();
  const token = await mintToken(settings.jwt, { sub: values.sub, roles: roles as CallerRole[], store: values.store ?? null }, ttlSeconds);
  await new TokenVerifier(settings.jwt).verify(token);
  console.log(token);
} catch (error) {
  refuse(error instanceof ConfigurationError ? `configuration error: ${error.message}` : `the services would refuse this token: ${(error as Error).message}`);
}
