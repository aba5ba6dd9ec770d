import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pgliteSharedBuffersMbDefault } from '#event-store';
import { stateCacheMbDefault } from '#ledger';
import { loadKafkaSettings, type KafkaSettings } from './kafka-settings.js';
import { loadProjectorSettings, type ProjectorSettings } from './projector-settings.js';

/** Every setting of every service, from environment variables (documented in .env.example). */
export interface Settings {
  eventStore: 'embedded' | 'postgres' | 'eventstoredb';
  dataDir: string;
  /** The embedded store's PostgreSQL page cache (`shared_buffers`) in megabytes, inside this process's memory. */
  embeddedSharedBuffersMb: number;
  databaseUrl: string | null;
  eventStoreUrl: string | null;
  httpHost: string;
  httpPort: number;
  bodyLimitBytes: number;
  jwt: { hs256Secret: string; rs256PublicKeyPem?: string; issuer: string; audience: string; maxLifetimeSeconds: number; generated: boolean };
  seedSamplePolicy: boolean;
  /** Whether this instance releases overdue escalations; one instance per deployment is enough. */
  expireEscalations: boolean;
  /** Heap for the budget and loyalty states the ledger keeps between commands, in MB (`LEDGER_STATE_CACHE_MB`). */
  ledgerStateCacheMb: number;
  kafkaBrokers: string[];
  /** Kafka in and out: topics, the inbound consumer, the CRM relay (see `KafkaSettings`). */
  kafka: KafkaSettings;
  /** The projector and its query API: read-model database, port, batch size (see `ProjectorSettings`). */
  projector: ProjectorSettings;
  /** Operations: logs, metrics, health, protection of the HTTP edge, shutdown (see `OperationsSettings`). */
  operations: OperationsSettings;
}

export interface OperationsSettings {
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; unset, it is open (cluster-internal scraping). */
  metricsToken: string | null;
  /** Requests per client (token subject, else IP) per window; `pos-system` and `crm` callers get `systemRequestsPerWindow`. */
  rateLimit: { windowSeconds: number; requestsPerWindow: number; systemRequestsPerWindow: number };
  /** Browser origins allowed by CORS; empty means CORS stays off. */
  corsOrigins: string[];
  /** Take the client address from X-Forwarded-For (behind an ingress or load balancer only). */
  /**
   * Whose X-Forwarded-For to believe: nobody (false), every hop (true: only where nothing but the proxy can
   * reach the service), or the proxies at these addresses and ranges, so a client cannot pick its own address.
   */
  trustProxy: boolean | readonly string[];
  /** Longest a health check of one dependency may take before it counts as down. */
  healthCheckTimeoutMs: number;
  /** Longest a SIGTERM drain may take before the process exits with status 1. */
  shutdownTimeoutMs: number;
  /** Port of `/health/*` and `/metrics` for services without an API of their own (the CRM relay). */
  operationsPort: number;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the environment. A wrong value throws `ConfigurationError` naming the variable;
 * nothing starts half-configured. With no configuration at all the result is the embedded default.
 */
export function loadSettings(env: Env = process.env): Settings {
  const eventStore = oneOf(env, 'EVENT_STORE', ['embedded', 'postgres', 'eventstoredb'] as const, 'embedded');
  const dataDir = env.DATA_DIR?.trim() || './data';
  const databaseUrl = optionalUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const eventStoreUrl = optionalUrl(env, 'EVENTSTORE_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:', 'kdb:']);
  if (eventStore === 'postgres' && !databaseUrl) throw new ConfigurationError('DATABASE_URL', 'required when EVENT_STORE=postgres');
  if (eventStore === 'eventstoredb' && !eventStoreUrl) throw new ConfigurationError('EVENTSTORE_URL', 'required when EVENT_STORE=eventstoredb');
  const production = env.NODE_ENV === 'production';
  let secret = env.JWT_SECRET;
  let generated = false;
  if (!secret) {
    if (production) throw new ConfigurationError('JWT_SECRET', 'required when NODE_ENV=production (at least 32 bytes)');
    secret = developmentSecret(dataDir);
    generated = true;
  }
  if (Buffer.byteLength(secret) < 32) throw new ConfigurationError('JWT_SECRET', 'must be at least 32 bytes');
  if (production) {
    const weak = weakSecret(secret);
    if (weak !== null) throw new ConfigurationError('JWT_SECRET', `${weak}: anyone who can guess it mints admin tokens (use e.g. openssl rand -hex 32)`);
  }
  return {
    eventStore,
    dataDir,
    embeddedSharedBuffersMb: integer(env, 'EMBEDDED_SHARED_BUFFERS_MB', pgliteSharedBuffersMbDefault, 1, 4096),
    databaseUrl,
    eventStoreUrl,
    httpHost: env.HOST?.trim() || '127.0.0.1',
    httpPort: integer(env, 'PORT', 3000, 0, 65535),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 16 * 1_048_576),
    jwt: {
      hs256Secret: secret,
      ...(env.JWT_PUBLIC_KEY ? { rs256PublicKeyPem: env.JWT_PUBLIC_KEY } : {}),
      issuer: env.JWT_ISSUER?.trim() || 'gesture-ledger',
      audience: env.JWT_AUDIENCE?.trim() || 'gesture-ledger',
      maxLifetimeSeconds: integer(env, 'JWT_MAX_LIFETIME_S', 86_400, 60, 30 * 86_400),
      generated,
    },
    seedSamplePolicy: oneOf(env, 'SEED_SAMPLE_POLICY', ['true', 'false'] as const, production ? 'false' : 'true') === 'true',
    expireEscalations: oneOf(env, 'EXPIRE_ESCALATIONS', ['true', 'false'] as const, 'true') === 'true',
    ledgerStateCacheMb: integer(env, 'LEDGER_STATE_CACHE_MB', stateCacheMbDefault, 8, 65_536),
    kafkaBrokers: (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean),
    kafka: loadKafkaSettings(env),
    projector: loadProjectorSettings(env, eventStore, databaseUrl),
    operations: loadOperationsSettings(env),
  };
}

export function loadOperationsSettings(env: Env = {}): OperationsSettings {
  const metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && metricsToken.length < 16) throw new ConfigurationError('METRICS_TOKEN', 'must be at least 16 characters');
  return {
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    metricsToken,
    rateLimit: {
      windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 10, 1, 3600),
      requestsPerWindow: integer(env, 'RATE_LIMIT_REQUESTS', 3_000, 1, 10_000_000),
      systemRequestsPerWindow: integer(env, 'RATE_LIMIT_SYSTEM_REQUESTS', 200_000, 1, 10_000_000),
    },
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    trustProxy: trustedProxies(env, 'TRUST_PROXY'),
    healthCheckTimeoutMs: integer(env, 'HEALTH_CHECK_TIMEOUT_MS', 2_000, 100, 60_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 1_000, 600_000),
    operationsPort: integer(env, 'OPERATIONS_PORT', 3002, 0, 65535),
  };
}

/** A comma-separated list of exact browser origins (scheme, host, optional port; no path, no wildcard). */
/** `false`, `true`, or the proxies' addresses and CIDR ranges (and proxy-addr's `loopback`, `linklocal`, `uniquelocal`). */
function trustedProxies(env: Env, name: string): boolean | string[] {
  const raw = env[name]?.trim() ?? '';
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  const list = raw.split(',').map((p) => p.trim());
  for (const proxy of list) {
    const [address, prefix, extra] = proxy.split('/');
    const version = isIP(address ?? '');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(proxy);
    const range = version !== 0 && extra === undefined && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128)));
    if (!named && !range) throw new ConfigurationError(name, `must be false, true, or the proxies' addresses or CIDR ranges, comma-separated (loopback, linklocal and uniquelocal too); ${JSON.stringify(proxy)} is none of these`);
  }
  return list;
}

function origins(env: Env, name: string): string[] {
  const list = (env[name] ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of list) {
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin) throw new ConfigurationError(name, `${JSON.stringify(origin)} is not an origin like https://app.example.com`);
  }
  return list;
}

/** A per-data-directory secret, so development tokens survive restarts without any configuration. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigurationError(name, `must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** An integer variable within [min, max], or `fallback` when unset. */
export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigurationError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function optionalUrl(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(name, 'is not a URL');
  }
  if (!protocols.includes(url.protocol)) throw new ConfigurationError(name, `must start with ${protocols.join(' or ')}`);
  return raw;
}

/**
 * Why a production secret is guessable, or null: a placeholder left from an example (secret.example.yaml's
 * passes the length check), or too few distinct characters to be random (32 random hex digits have 14-16).
 */
export function weakSecret(secret: string): string | null {
  if (/replace|change-?me|example|placeholder|secret-?here/i.test(secret)) return 'is a placeholder from an example, not a secret';
  if (new Set(secret).size < 10) return 'has fewer than 10 distinct characters, too few to be random';
  return null;
}
