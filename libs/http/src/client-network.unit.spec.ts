import { describe, expect, it } from '@jest/globals';
import { clientNetwork } from './client-network.js';
import { ClientQuotas } from './rate-limit.js';

describe('clientNetwork', () => {
  it('counts an IPv4 client by its address, also when it arrives IPv4-mapped on a dual-stack socket', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv6 client by its /64, however the address is written', () => {
    const network = '2001:db8:85a3:8d3::/64';
    for (const address of ['2001:db8:85a3:8d3::1', '2001:0db8:85a3:08d3:1319:8a2e:0370:7344', '2001:DB8:85A3:8D3:FFFF::', '2001:db8:85a3:8d3:0:0:0:9%eth0']) {
      expect(clientNetwork(address)).toBe(network);
    }
    expect(clientNetwork('2001:db8:85a3:8d4::1')).toBe('2001:db8:85a3:8d4::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });
});

describe('anonymous quotas over IPv6', () => {
  it('gives one /64 one quota, so fresh addresses from it do not buy fresh requests', () => {
    const quotas = new ClientQuotas({ windowSeconds: 60, requestsPerWindow: 3, systemRequestsPerWindow: 100 });
    const answers = [1, 2, 3, 4].map((host) => quotas.hit(undefined, `2001:db8:1:2::${host}`));
    expect(answers.slice(0, 3)).toEqual([0, 0, 0]);
    expect(answers[3]).toBeGreaterThan(0);
    expect(quotas.hit(undefined, '2001:db8:1:3::1')).toBe(0);
  });
});
