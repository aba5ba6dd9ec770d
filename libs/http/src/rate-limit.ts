import { HttpException, Inject, Injectable, Module, SetMetadata, type CanActivate, type DynamicModule, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { Principal } from '#auth';

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
 * Bounded: at most `clientsMax` windows are kept.
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
      if (!window && this.windows.size >= this.clientsMax) this.evict(now);
      window = { endsAt: now + this.windowMs, hits: 0 };
      this.windows.set(client, window);
    }
    window.hits++;
    return window.hits <= limit ? 0 : Math.max(1, Math.ceil((window.endsAt - now) / 1000));
  }

  get trackedClients(): number {
    return this.windows.size;
  }

  /** Drops ended windows; if every client is live, the oldest one (insertion order) makes room. */
  private evict(now: number): void {
    for (const [client, window] of this.windows) if (window.endsAt <= now) this.windows.delete(client);
    if (this.windows.size >= this.clientsMax) this.windows.delete(this.windows.keys().next().value!);
  }
}

const SKIP_RATE_LIMIT = 'gesture-ledger:skip-rate-limit';
/** Marks routes that are never limited: health probes and metrics scrapes come from the platform. */
export const SkipRateLimit = () => SetMetadata(SKIP_RATE_LIMIT, true);

const RATE_LIMIT_OPTIONS = Symbol('RateLimitOptions');

interface LimitedRequest {
  ip: string;
  principal?: Principal;
}

/**
 * Per-client rate limiting: a client is the authenticated subject (a till behind a NAT is one client,
 * two tills are two), else the address. Over its quota a request gets 429 with `Retry-After` in
 * seconds. Registered after `AuthGuard`, so the subject is known when it runs.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly counter: FixedWindowCounter;

  constructor(
    @Inject(RATE_LIMIT_OPTIONS) private readonly options: RateLimitOptions,
    private readonly reflector: Reflector,
  ) {
    this.counter = new FixedWindowCounter(options.windowSeconds * 1000);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<LimitedRequest>();
    const principal = request.principal;
    const client = principal ? `sub:${principal.subject}` : `ip:${request.ip}`;
    const limit = principal?.roles.some((r) => systemRoles.has(r)) ? this.options.systemRequestsPerWindow : this.options.requestsPerWindow;
    const retryAfterSeconds = this.counter.hit(client, limit);
    if (retryAfterSeconds === 0) return true;
    context.switchToHttp().getResponse<{ header(name: string, value: string): unknown }>().header('retry-after', String(retryAfterSeconds));
    throw new HttpException({ statusCode: 429, error: 'Too Many Requests', message: `more than ${limit} requests in ${this.options.windowSeconds} s; retry after ${retryAfterSeconds} s` }, 429);
  }
}

@Module({})
export class RateLimitModule {
  static forRoot(options: RateLimitOptions): DynamicModule {
    return {
      module: RateLimitModule,
      providers: [{ provide: RATE_LIMIT_OPTIONS, useValue: options }, { provide: APP_GUARD, useClass: RateLimitGuard }],
    };
  }
}
