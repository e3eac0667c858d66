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
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, millis) - zoneOffsetMillis(zone));
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
