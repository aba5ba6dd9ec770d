import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { InvalidTokenError, mintToken, TokenVerifier } from './tokens.js';

const settings = { hs256Secret: 'unit-secret-unit-secret-unit-secret-0123', issuer: 'gesture-ledger', audience: 'gesture-ledger' };
const sign = (claims: Record<string, unknown>, secret = settings.hs256Secret, expSeconds = 60) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(settings.issuer).setAudience(settings.audience).setIssuedAt().setExpirationTime(`${expSeconds}s`).sign(new TextEncoder().encode(secret));

describe('TokenVerifier', () => {
  it('turns a valid token into a principal with subject, roles and store', async () => {
    const token = await mintToken(settings, { sub: 'emp-7', roles: ['supervisor'], store: 's-1' });
    expect(await new TokenVerifier(settings).verify(token)).toEqual({ subject: 'emp-7', roles: ['supervisor'], storeId: 's-1' });
  });

  it.each([
    ['another secret', () => sign({ sub: 'x', roles: ['admin'] }, 'other-secret-other-secret-other-secret-99')],
    ['an unknown role', () => sign({ sub: 'x', roles: ['root'] })],
    ['no roles', () => sign({ sub: 'x' })],
    ['no subject', () => sign({ roles: ['admin'] })],
    ['a subject with a control character', () => sign({ sub: 'emp\u00007', roles: ['admin'] })],
    ['a subject with an unpaired surrogate', () => sign({ sub: 'emp\ud8007', roles: ['admin'] })],
    ['a subject with a space', () => sign({ sub: 'Jane Doe', roles: ['admin'] })],
    ['a subject of 65 characters', () => sign({ sub: 'e'.repeat(65), roles: ['admin'] })],
    ['an expired token', () => sign({ sub: 'x', roles: ['admin'] }, settings.hs256Secret, -120)],
    ['a token without an expiry', () => new SignJWT({ sub: 'x', roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(settings.issuer).setAudience(settings.audience).setIssuedAt().sign(new TextEncoder().encode(settings.hs256Secret))],
  ])('refuses %s', async (_, make) => {
    await expect(new TokenVerifier(settings).verify(await make())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses a token valid for longer than the lifetime it is set to take (24 h unless set), from its iat or, without one, from now', async () => {
    const tenYears = 10 * 365 * 86_400;
    await expect(new TokenVerifier(settings).verify(await sign({ sub: 'x', roles: ['admin'] }, settings.hs256Secret, tenYears))).rejects.toThrow(/valid for longer than the 86400 s/);
    await expect(new TokenVerifier(settings).verify(await mintToken(settings, { sub: 'x', roles: ['admin'] }, 86_400 + 3_600))).rejects.toBeInstanceOf(InvalidTokenError);
    const noIat = await new SignJWT({ sub: 'x', roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(settings.issuer).setAudience(settings.audience).setExpirationTime('3d').sign(new TextEncoder().encode(settings.hs256Secret));
    await expect(new TokenVerifier(settings).verify(noIat)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(await new TokenVerifier(settings).verify(await mintToken(settings, { sub: 'x', roles: ['admin'] }, 86_400))).toMatchObject({ subject: 'x' });
    expect(await new TokenVerifier({ ...settings, maxLifetimeSeconds: 7 * 86_400 }).verify(await mintToken(settings, { sub: 'x', roles: ['admin'] }, 3 * 86_400))).toMatchObject({ subject: 'x' });
  });

  it('stops answering a remembered token from memory once it expires', async () => {
    let now = Date.now();
    const verifier = new TokenVerifier(settings, () => now);
    const token = await sign({ sub: 'emp-1', roles: ['associate'] }, settings.hs256Secret, 5);
    expect(await verifier.verify(token)).toEqual({ subject: 'emp-1', roles: ['associate'], storeId: null });
    now += 40_000; // past the expiry and the 30 s clock tolerance
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('judges a remembered token at the instant asked, before its not-before as well as after its expiry', async () => {
    const now = Date.now();
    const verifier = new TokenVerifier(settings, () => now);
    const notBefore = Math.floor(now / 1000) - 10;
    const token = await new SignJWT({ sub: 'emp-1', roles: ['associate'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(settings.issuer).setAudience(settings.audience).setNotBefore(notBefore).setExpirationTime('1h').sign(new TextEncoder().encode(settings.hs256Secret));
    expect(await verifier.verify(token)).toEqual({ subject: 'emp-1', roles: ['associate'], storeId: null });
    // A Kafka message stamped by the broker before the token was valid (the 30 s tolerance included).
    await expect(verifier.verify(token, (notBefore - 31) * 1000)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(await verifier.verify(token, (notBefore - 29) * 1000)).toEqual({ subject: 'emp-1', roles: ['associate'], storeId: null });
  });
});
