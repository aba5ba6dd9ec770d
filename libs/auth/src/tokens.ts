import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { isOpaqueId } from '#domain';
import { isCallerRole, type CallerRole, type Principal } from './principal.js';

export interface TokenSettings {
  /** HS256 shared secret (at least 32 bytes). */
  hs256Secret: string;
  /** Optional RS256 public key (PEM); when set, RS256 tokens are accepted too. */
  rs256PublicKeyPem?: string;
  issuer: string;
  audience: string;
  /** Allowed clock difference between issuer and this service. */
  clockToleranceSeconds?: number;
  /**
   * The longest a token may be valid, from its `iat` (or from now, without one) to its `exp`; 24 h unless
   * set. A token minted for ten years, leaked once, would be an admin's key for ten years.
   */
  maxLifetimeSeconds?: number;
}

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** Verified tokens remembered at most; a till sends the same token thousands of times a day. */
const verifiedTokensMax = 10_000;

/**
 * Verifies bearer tokens and turns their claims into a `Principal`; rejects anything incomplete.
 * A token already verified is answered from memory until it expires: the cache is keyed by the whole
 * token, signature included, so it can only ever return what a full verification returned.
 */
export class TokenVerifier {
  private readonly secret: KeyObject;
  private readonly publicKey: KeyObject | undefined;
  private readonly verified = new Map<string, { principal: Principal; validFromMs: number; expiresAtMs: number }>();

  constructor(
    private readonly settings: TokenSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (Buffer.byteLength(settings.hs256Secret) < 32) throw new Error('JWT HS256 secret must be at least 32 bytes');
    // A KeyObject, not raw bytes: jose would otherwise import the key through WebCrypto on every call.
    this.secret = createSecretKey(Buffer.from(settings.hs256Secret, 'utf8'));
    this.publicKey = settings.rs256PublicKeyPem ? createPublicKey(settings.rs256PublicKeyPem) : undefined;
  }

  /**
   * The caller the token names, if it was valid at `atMs` (now by default, and never later than now). A
   * message that waited in Kafka is judged at the time the broker stamped on it, so a backlog does not turn
   * valid messages into dead letters.
   */
  async verify(token: string, at?: number): Promise<Principal> {
    const now = this.now();
    const atMs = at === undefined ? now : Math.min(at, now);
    const known = this.verified.get(token);
    // A Kafka message is judged at its broker stamp, which may lie before a token's `nbf`: both bounds are checked.
    if (known && known.validFromMs <= atMs && atMs < known.expiresAtMs) return known.principal;
    const verified = await this.verifyFully(token, atMs);
    if (this.verified.size >= verifiedTokensMax) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, verified);
    return verified.principal;
  }

  private async verifyFully(token: string, atMs: number): Promise<{ principal: Principal; validFromMs: number; expiresAtMs: number }> {
    let payload: JWTPayload;
    const toleranceSeconds = this.settings.clockToleranceSeconds ?? 30;
    try {
      // An expiry is required: a token without one, leaked or minted by mistake, would open the API forever.
      const options = { issuer: this.settings.issuer, audience: this.settings.audience, clockTolerance: toleranceSeconds, currentDate: new Date(atMs), requiredClaims: ['exp'] };
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg === 'RS256' && this.publicKey) payload = (await jwtVerify(token, this.publicKey, { ...options, algorithms: ['RS256'] })).payload;
      else payload = (await jwtVerify(token, this.secret, { ...options, algorithms: ['HS256'] })).payload;
    } catch (error) {
      throw new InvalidTokenError(`invalid bearer token: ${(error as Error).message}`);
    }
    const maxLifetimeSeconds = this.settings.maxLifetimeSeconds ?? 86_400;
    const from = typeof payload.iat === 'number' ? payload.iat : atMs / 1000;
    if (payload.exp! - from > maxLifetimeSeconds + toleranceSeconds) {
      throw new InvalidTokenError(`invalid bearer token: valid for longer than the ${maxLifetimeSeconds} s this service accepts (exp - iat)`);
    }
    // The bounds jose accepted, tolerance included, so the cache answers exactly what verifying again would.
    const validFromMs = typeof payload.nbf === 'number' ? (payload.nbf - toleranceSeconds) * 1000 : Number.NEGATIVE_INFINITY;
    return { principal: principalFrom(payload), validFromMs, expiresAtMs: (payload.exp! + toleranceSeconds) * 1000 };
  }
}

function principalFrom(payload: JWTPayload): Principal {
  const subject = payload.sub;
  // The subject is recorded as the actor of every event the caller causes, so it must be an id the domain
  // records (no whitespace or control character): refused here, not half-way through a command.
  if (!isOpaqueId(subject) || subject.length > 64 || !subject.isWellFormed()) throw new InvalidTokenError('token has no valid subject');
  const roles = payload['roles'];
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isCallerRole)) throw new InvalidTokenError('token roles missing or unknown');
  const store = payload['store'];
  if (store !== undefined && store !== null && (typeof store !== 'string' || store.length === 0 || store.length > 64)) throw new InvalidTokenError('token store is invalid');
  return { subject, roles: roles as CallerRole[], storeId: (store as string | undefined) ?? null };
}

/** Mints an HS256 token (development, tests, the demo). */
export async function mintToken(settings: Pick<TokenSettings, 'hs256Secret' | 'issuer' | 'audience'>, claims: { sub: string; roles: CallerRole[]; store?: string | null }, ttlSeconds = 8 * 3600, issuedAtMs = Date.now()): Promise<string> {
  const issuedAt = Math.floor(issuedAtMs / 1000);
  return new SignJWT({ roles: claims.roles, ...(claims.store ? { store: claims.store } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(new TextEncoder().encode(settings.hs256Secret));
}
