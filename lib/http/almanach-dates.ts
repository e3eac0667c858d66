import { parseLenientDate } from '#domain/dates';
import { InvalidDateError, InvalidPayloadError } from './errors.ts';

// The three ways Almanach reads dates from a request:
// - `start`/`end` query parameters: Python's `strptime(value, '%Y-%m-%d %H:%M:%S.%f')`, strictly; its
//   ValueError is what Almanach's `to_json` answers with 400 "Invalid parameter or payload";
// - body dates: dateutil's lenient parser (any ISO-8601-like form; no zone means UTC);
// - `start_date`/`end_date` of the active-entity update: voluptuous `Datetime()`, i.e. strictly
//   `%Y-%m-%dT%H:%M:%S.%fZ`, before the lenient parse.

// strptime's field patterns: %m/%d/%H/%M/%S take one or two digits, %f one to six.
const QUERY_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})$/;
const UPDATE_DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})Z$/;

/**
 * Instants are stored to the millisecond while the query may carry microseconds. Rounding the period's
 * start up and its end down keeps every comparison exactly what it would be with microseconds.
 */
export type Rounding = 'up' | 'down';

export function parseQueryDate(text: string, rounding: Rounding): Date {
  const date = strictDate(QUERY_DATE, text, rounding);
  if (!date) throw new InvalidPayloadError(`not a %Y-%m-%d %H:%M:%S.%f date: ${text}`);
  return date;
}

export function parseBodyDate(value: unknown): Date {
  const date = typeof value === 'string' ? parseLenientDate(value) : undefined;
  if (!date) throw new InvalidDateError();
  return date;
}

export function isUpdateDatetime(value: unknown): value is string {
  return typeof value === 'string' && strictDate(UPDATE_DATETIME, value, 'down') !== undefined;
}

function strictDate(pattern: RegExp, text: string, rounding: Rounding): Date | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const fraction = match[7] ?? '0';
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  )
    return undefined;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const micros = Number(fraction.padEnd(6, '0'));
  const millis = rounding === 'up' ? Math.ceil(micros / 1000) : Math.floor(micros / 1000);
  return new Date(utc(year, month - 1, day).getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + millis);
}

/** Date.UTC reads years 0-99 as 1900-1999; Python's datetime starts at year 1. */
function utc(year: number, monthIndex: number, day: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date;
}

function daysInMonth(year: number, month: number): number {
  return utc(year, month, 0).getUTCDate();
}
