/**
 * Dates as OpenStack services and Almanach clients write them.
 *
 * Notifications and request bodies carry many ISO-8601-like shapes (`2016-11-24 17:15:05+00:00`,
 * `2016-11-24T17:25:05.00Z`, `2015-01-31 18:24:34.152300`); a date without a zone is UTC, as Nova's
 * and Cinder's are. Instants are kept to the millisecond, the precision MongoDB stores.
 */
const LENIENT_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseLenientDate(text: string): Date | undefined {
  const match = LENIENT_DATE.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const fields = [year, month, day].map(Number) as [number, number, number];
  const [y, mo, d] = fields;
  const [h, mi, s] = [hour, minute, second].map(Number) as [number, number, number];
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const local = new Date(0);
  // Not Date.UTC, which would read years 0-99 as 1900-1999.
  local.setUTCFullYear(y, mo - 1, d);
  local.setUTCHours(h, mi, s, millis);
  const date = new Date(local.getTime() - zoneOffsetMillis(zone));
  return isKeptInstant(date) ? date : undefined;
}

/**
 * The instants a date field may hold: UTC years 100 to 9999. No OpenStack date is older, and a year 0-99
 * is a typo JavaScript's own Date.UTC would move to 1900-1999; past 9999 (a zone offset can push
 * 9999-12-31 there) neither JSON's four-digit years nor Almanach's printed dates have room.
 */
const EARLIEST_YEAR = 100;
const LATEST_YEAR = 9999;

function isKeptInstant(date: Date): boolean {
  const year = date.getUTCFullYear();
  return year >= EARLIEST_YEAR && year <= LATEST_YEAR;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function zoneOffsetMillis(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  return sign * (hours * 60 + minutes) * 60_000;
}

/** Almanach's API prints dates as Python prints an aware UTC datetime: `2016-11-24 21:16:47.106000+00:00`. */
export function formatAlmanachDate(date: Date): string {
  const iso = date.toISOString();
  const wholeSeconds = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const millis = date.getUTCMilliseconds();
  const fraction = millis === 0 ? '' : `.${String(millis * 1000).padStart(6, '0')}`;
  return `${wholeSeconds}${fraction}+00:00`;
}
