import { describe, expect, it } from '@jest/globals';
import { deterministicEventId } from './event-id.js';

describe('deterministicEventId', () => {
  it('is the RFC 9562 version-5 UUID of the name (known vector: DNS namespace, "www.example.com")', () => {
    expect(deterministicEventId('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives the same id for the same key and different ids for different keys', () => {
    expect(deterministicEventId('till-1:0042/0')).toBe(deterministicEventId('till-1:0042/0'));
    expect(deterministicEventId('till-1:0042/0')).not.toBe(deterministicEventId('till-1:0042/1'));
    expect(deterministicEventId('k')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
