import { isIPv6 } from 'node:net';

/** Where a service listening on `host` answers, as a URL: an IPv6 literal (`::`, `::1`) goes in brackets. */
export function listeningUrl(host: string, port: number): string {
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}
