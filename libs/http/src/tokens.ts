/** Injection token of the bearer-token verifier every HTTP service's guard uses. */
export const TOKEN_VERIFIER = Symbol('TokenVerifier');
