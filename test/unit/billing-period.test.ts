import { describe, expect, it } from 'vitest';
import { billingPeriod } from '../../src/services/billing-period.js';

const d = (s: string) => new Date(s);

describe('billingPeriod', () => {
  it('anchors the period to the signup day, not the calendar month', () => {
    const p = billingPeriod(d('2026-01-14T09:00:00Z'), d('2026-03-20T12:00:00Z'));
    expect(p.start).toBe('2026-03-14');
    expect(p.resetsOn.toISOString()).toBe('2026-04-14T00:00:00.000Z');
    expect([p.year, p.month]).toEqual([2026, 3]);
  });

  it('belongs to the previous month before the anchor day', () => {
    const p = billingPeriod(d('2026-01-14T09:00:00Z'), d('2026-03-13T23:59:59Z'));
    expect(p.start).toBe('2026-02-14');
    expect(p.resetsOn.toISOString()).toBe('2026-03-14T00:00:00.000Z');
  });

  it('clamps a 31st signup to the last day of short months', () => {
    const created = d('2026-01-31T10:00:00Z');
    expect(billingPeriod(created, d('2026-02-28T00:00:00Z')).start).toBe('2026-02-28');
    expect(billingPeriod(created, d('2026-02-27T00:00:00Z')).start).toBe('2026-01-31');
    expect(billingPeriod(created, d('2026-02-28T00:00:00Z')).resetsOn.toISOString()).toBe('2026-03-31T00:00:00.000Z');
  });

  it('crosses the year boundary', () => {
    const p = billingPeriod(d('2025-06-20T00:00:00Z'), d('2027-01-05T00:00:00Z'));
    expect(p.start).toBe('2026-12-20');
    expect(p.resetsOn.toISOString()).toBe('2027-01-20T00:00:00.000Z');
    expect([p.year, p.month]).toEqual([2026, 12]);
  });
});
