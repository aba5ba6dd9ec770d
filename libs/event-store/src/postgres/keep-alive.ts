/**
 * TCP keep-alive for every connection to PostgreSQL: probes from 10 s into an idle connection find one that died
 * silently (its host gone, a NAT or firewall dropping the flow) before a query is sent on it, and a LISTEN's
 * connection, which never sends anything, at all. A query already sent is bounded by the driver's `queryTimeoutMs`.
 */
export const keepAlive = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 } as const;
