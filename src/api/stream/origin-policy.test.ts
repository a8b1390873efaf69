import { describe, expect, it } from 'vitest';
import { OriginPolicy } from './origin-policy.js';

describe('OriginPolicy', () => {
  it('by default lets in clients without Origin and pages of the host the request was sent to', () => {
    const policy = new OriginPolicy([]);
    expect(policy.allows(undefined, 'vantage:5000')).toBe(true);
    expect(policy.allows('http://vantage:5000', 'vantage:5000')).toBe(true);
    expect(policy.allows('http://VANTAGE:5000', 'Vantage:5000')).toBe(true);
    expect(policy.allows('http://vantage:5001', 'vantage:5000')).toBe(false);
    expect(policy.allows('https://evil.example', 'vantage:5000')).toBe(false);
    expect(policy.allows('null', 'vantage:5000')).toBe(false);
    expect(policy.allows('http://vantage:5000', undefined)).toBe(false);
  });

  it('lets in the origins listed, however they are spelled', () => {
    const policy = new OriginPolicy(['HTTPS://Dash.Example.com:443/']);
    expect(policy.allows('https://dash.example.com', 'vantage:5000')).toBe(true);
    expect(policy.allows('http://dash.example.com', 'vantage:5000')).toBe(false);
  });

  it('lets in any origin with *', () => {
    expect(new OriginPolicy(['*']).allows('https://anywhere.example', 'vantage:5000')).toBe(true);
  });
});
