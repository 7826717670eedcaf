/**
 * Billing periods are anchored to the account's signup day (the vendor's rule), not the calendar month.
 * An account created on the 31st renews on the last day of shorter months. All in UTC.
 */
export interface BillingPeriod {
  /** YYYY-MM-DD, first day of the current period. */
  start: string;
  /** First instant of the next period. */
  resetsOn: Date;
  year: number;
  /** 1-12, month of the period start. */
  month: number;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

function anchorDate(year: number, monthIndex: number, anchorDay: number): Date {
  // Date.UTC normalises month overflow (month 12 → January of the next year).
  const first = new Date(Date.UTC(year, monthIndex, 1));
  const y = first.getUTCFullYear();
  const m = first.getUTCMonth();
  return new Date(Date.UTC(y, m, Math.min(anchorDay, daysInMonth(y, m))));
}

export function billingPeriod(createdAt: Date, now: Date): BillingPeriod {
  const anchorDay = createdAt.getUTCDate();
  let start = anchorDate(now.getUTCFullYear(), now.getUTCMonth(), anchorDay);
  if (start.getTime() > now.getTime()) {
    start = anchorDate(now.getUTCFullYear(), now.getUTCMonth() - 1, anchorDay);
  }
  const resetsOn = anchorDate(start.getUTCFullYear(), start.getUTCMonth() + 1, anchorDay);
  return {
    start: start.toISOString().slice(0, 10),
    resetsOn,
    year: start.getUTCFullYear(),
    month: start.getUTCMonth() + 1,
  };
}
