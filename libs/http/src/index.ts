export { AuthGuard } from './auth.guard.js';
export { CurrentPrincipal } from './principal.decorator.js';
export { Public, IS_PUBLIC } from './public.decorator.js';
export { ErrorsFilter } from './errors.filter.js';
export { Ctx, requestContext } from './request-context.js';
export { unwrap } from './results.js';
export * from './validation.js';
export { TOKEN_VERIFIER } from './tokens.js';
export { HttpEdgeModule } from './http-edge.module.js';
