import { createPublicKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
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
}

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** Verifies bearer tokens and turns their claims into a `Principal`; rejects anything incomplete. */
export class TokenVerifier {
  private readonly secret: Uint8Array;
  private readonly publicKey: KeyObject | undefined;

  constructor(private readonly settings: TokenSettings) {
    if (Buffer.byteLength(settings.hs256Secret) < 32) throw new Error('JWT HS256 secret must be at least 32 bytes');
    this.secret = new TextEncoder().encode(settings.hs256Secret);
    this.publicKey = settings.rs256PublicKeyPem ? createPublicKey(settings.rs256PublicKeyPem) : undefined;
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const options = { issuer: this.settings.issuer, audience: this.settings.audience, clockTolerance: this.settings.clockToleranceSeconds ?? 30 };
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg === 'RS256' && this.publicKey) payload = (await jwtVerify(token, this.publicKey, { ...options, algorithms: ['RS256'] })).payload;
      else payload = (await jwtVerify(token, this.secret, { ...options, algorithms: ['HS256'] })).payload;
    } catch (error) {
      throw new InvalidTokenError(`invalid bearer token: ${(error as Error).message}`);
    }
    return principalFrom(payload);
  }
}

function principalFrom(payload: JWTPayload): Principal {
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 64) throw new InvalidTokenError('token has no valid subject');
  const roles = payload['roles'];
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isCallerRole)) throw new InvalidTokenError('token roles missing or unknown');
  const store = payload['store'];
  if (store !== undefined && store !== null && (typeof store !== 'string' || store.length === 0 || store.length > 64)) throw new InvalidTokenError('token store is invalid');
  return { subject, roles: roles as CallerRole[], storeId: (store as string | undefined) ?? null };
}

/** Mints an HS256 token (development, tests, the demo). */
export async function mintToken(settings: Pick<TokenSettings, 'hs256Secret' | 'issuer' | 'audience'>, claims: { sub: string; roles: CallerRole[]; store?: string | null }, ttlSeconds = 8 * 3600): Promise<string> {
  return new SignJWT({ roles: claims.roles, ...(claims.store ? { store: claims.store } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(settings.hs256Secret));
}
