import { HttpException, Injectable, Module, SetMetadata, type CanActivate, type DynamicModule, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { Principal } from '#auth';
import { clientNetwork } from './client-network.js';

export interface RateLimitOptions {
  windowSeconds: number;
  /** Requests per client per window. */
  requestsPerWindow: number;
  /** For callers that speak for many people at once: tills (`pos-system`) and the CRM. */
  systemRequestsPerWindow: number;
}

/** Clients tracked at most; beyond it the ones whose window has ended are dropped first. */
export const trackedClientsMax = 100_000;

const systemRoles = new Set(['pos-system', 'crm']);

interface Window {
  endsAt: number;
  hits: number;
}

/**
 * A fixed-window counter per client: one map lookup and one addition per request, whatever the limit.
 * Bounded: at most `clientsMax` windows are kept. The map is kept in the order windows began (a new
 * window is re-inserted at the end), and all windows are equally long, so the first entry is always
 * the one to end first: making room looks at the front only, however many clients are tracked.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly clientsMax = trackedClientsMax,
  ) {}

  /** Counts one request of `client`; returns 0 when within `limit`, else the seconds until its window ends. */
  hit(client: string, limit: number, now = Date.now()): number {
    let window = this.windows.get(client);
    if (!window || window.endsAt <= now) {
      if (window) this.windows.delete(client);
      else if (this.windows.size >= this.clientsMax) this.evict(now);
      window = { endsAt: now + this.windowMs, hits: 0 };
      this.windows.set(client, window);
    }
    window.hits++;
    return window.hits <= limit ? 0 : Math.max(1, Math.ceil((window.endsAt - now) / 1000));
  }

  get trackedClients(): number {
    return this.windows.size;
  }

  /**
   * Drops the ended windows at the front; if every client is live, the window that began first makes
   * room. A scan of every window here cost 1.6 ms per new client at 100,000 clients, so a flood from
   * many addresses would have stalled the server through its own protection.
   */
  private evict(now: number): void {
    for (const [client, window] of this.windows) {
      if (window.endsAt > now) break;
      this.windows.delete(client);
    }
    if (this.windows.size >= this.clientsMax) this.windows.delete(this.windows.keys().next().value!);
  }
}

/**
 * The quota of every client: the authenticated subject (a till behind a NAT is one client, two tills
 * are two), else the address (an IPv6 address's /64, see `clientNetwork`). Shared by `RateLimitGuard` (every authenticated request) and `AuthGuard`
 * (every failed authentication, counted against the address), so a flood of missing or bad tokens
 * meets the same limit as any other anonymous traffic instead of none.
 */
export class ClientQuotas {
  private readonly counter: FixedWindowCounter;

  constructor(readonly options: RateLimitOptions) {
    this.counter = new FixedWindowCounter(options.windowSeconds * 1000);
  }

  /** Counts one request; returns 0 when within quota, else the seconds to wait (for `Retry-After`). */
  hit(principal: Principal | undefined, address: string): number {
    const client = principal ? `sub:${principal.subject}` : `ip:${clientNetwork(address)}`;
    return this.counter.hit(client, this.limitOf(principal));
  }

  limitOf(principal: Principal | undefined): number {
    return principal?.roles.some((r) => systemRoles.has(r)) ? this.options.systemRequestsPerWindow : this.options.requestsPerWindow;
  }

  /** The 429 answer, with `Retry-After` set on `response`. */
  tooMany(response: { header(name: string, value: string): unknown }, principal: Principal | undefined, retryAfterSeconds: number): HttpException {
    response.header('retry-after', String(retryAfterSeconds));
    return new HttpException({ statusCode: 429, error: 'Too Many Requests', message: `more than ${this.limitOf(principal)} requests in ${this.options.windowSeconds} s; retry after ${retryAfterSeconds} s` }, 429);
  }
}

const SKIP_RATE_LIMIT = 'gesture-ledger:skip-rate-limit';
/** Marks routes that are never limited: health probes and metrics scrapes come from the platform. */
export const SkipRateLimit = () => SetMetadata(SKIP_RATE_LIMIT, true);


interface LimitedRequest {
  ip: string;
  principal?: Principal;
}

/**
 * Per-client rate limiting (see `ClientQuotas`): over its quota a request gets 429 with `Retry-After`
 * in seconds. Registered after `AuthGuard`, so the subject is known when it runs.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly quotas: ClientQuotas,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<LimitedRequest>();
    const retryAfterSeconds = this.quotas.hit(request.principal, request.ip);
    if (retryAfterSeconds === 0) return true;
    throw this.quotas.tooMany(context.switchToHttp().getResponse(), request.principal, retryAfterSeconds);
  }
}

@Module({})
export class RateLimitModule {
  static forRoot(options: RateLimitOptions): DynamicModule {
    return {
      module: RateLimitModule,
      // Global so that `AuthGuard` (of the edge module) counts failed authentications in the same quotas.
      global: true,
      providers: [{ provide: ClientQuotas, useValue: new ClientQuotas(options) }, { provide: APP_GUARD, useClass: RateLimitGuard }],
      exports: [ClientQuotas],
    };
  }
}
