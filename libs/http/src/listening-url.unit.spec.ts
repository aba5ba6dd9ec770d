import { describe, expect, it } from '@jest/globals';
import { listeningUrl } from './listening-url.js';

describe('listeningUrl', () => {
  it('is a URL a client can use for any HOST the services accept', () => {
    expect(listeningUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(listeningUrl('0.0.0.0', 3001)).toBe('http://0.0.0.0:3001');
    expect(listeningUrl('localhost', 3000)).toBe('http://localhost:3000');
    expect(listeningUrl('::', 3000)).toBe('http://[::]:3000');
    expect(new URL(listeningUrl('::1', 3000)).port).toBe('3000');
  });
});
