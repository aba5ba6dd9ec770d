/**
 * `npm run token -- --role supervisor --sub emp-7 --store s-1`: mints a development bearer token with
 * the same settings the services read (JWT_SECRET, or the development secret under DATA_DIR).
 */
import { parseArgs } from 'node:util';
import { isCallerRole, mintToken, type CallerRole } from '#auth';
import { loadSettings } from '#config';

const { values } = parseArgs({
  options: { role: { type: 'string', multiple: true }, sub: { type: 'string' }, store: { type: 'string' }, ttl: { type: 'string', default: '28800' } },
});
const roles = (values.role ?? []).flatMap((r) => r.split(','));
if (!values.sub || roles.length === 0 || !roles.every(isCallerRole)) {
  console.error('usage: npm run token -- --role <associate|senior_associate|supervisor|manager|finance|crm|pos-system|admin> --sub <subject> [--store <store id>] [--ttl <seconds>]');
  process.exit(2);
}
const settings = loadSettings();
console.log(await mintToken(settings.jwt, { sub: values.sub, roles: roles as CallerRole[], store: values.store ?? null }, Number(values.ttl)));
