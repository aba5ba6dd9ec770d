import { isIPv6 } from 'node:net';

/**
 * The network an anonymous client is counted by: its IPv4 address, or the /64 of its IPv6 address. One
 * IPv6 subscriber is routinely given a whole /64 and can pick a fresh address per request, so counting
 * single IPv6 addresses would let one client multiply its quota (and its failed logins) by 2^64.
 */
export function clientNetwork(address: string): string {
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address (zone dropped, `::` filled, an embedded IPv4 tail in two groups), lower case without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('%')[0]!.toLowerCase().split('::') as [string, string?];
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap(ipv4AsGroups));
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const middle = new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}

function ipv4AsGroups(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
