/**
 * Dates as OpenStack prints them: Python's `str(datetime)` and `isoformat()`, oslo's `strtime`, and the
 * oslo message `timestamp`. A `string` DateInput is used VERBATIM (to feed odd shapes); a `Date` is formatted
 * the way the real service formats that field. JS Dates carry milliseconds, so microseconds are always
 * `ms * 1000`.
 */

export type DateInput = string | Date;

function splitUtc(d: Date): { day: string; time: string; micro: string; hasFraction: boolean } {
  const iso = d.toISOString();
  const millis = d.getUTCMilliseconds();
  return {
    day: iso.slice(0, 10),
    time: iso.slice(11, 19),
    micro: String(millis * 1000).padStart(6, '0'),
    hasFraction: millis !== 0,
  };
}

/**
 * oslo.messaging's message `timestamp`: `str(timeutils.utcnow())` on a naive UTC datetime →
 * `2016-11-24 15:15:05.123456`. Always six fraction digits here (Python itself drops the fraction when the
 * microseconds are exactly 0 — see `formatPyStr` for that exact behaviour).
 */
export function formatNovaTimestamp(d: Date): string {
  const { day, time, micro } = splitUtc(d);
  return `${day} ${time}.${micro}`;
}

/**
 * Python `str(datetime)`: `2016-11-24 15:14:08` / `2016-11-24 15:14:08.123000`, plus `+00:00` for an aware
 * datetime. The fraction is printed only when microseconds are non-zero (Python's behaviour).
 * Nova `created_at` (aware), Cinder Icehouse/Juno `created_at`/`launched_at` (naive), Cinder
 * `audit_period_beginning`/`audit_period_ending` (naive).
 */
export function formatPyStr(d: Date, aware: boolean): string {
  const { day, time, micro, hasFraction } = splitUtc(d);
  return `${day} ${time}${hasFraction ? `.${micro}` : ''}${aware ? '+00:00' : ''}`;
}

/**
 * Python `datetime.isoformat()`: `2016-11-24T15:14:08+00:00` / `2016-11-24T15:14:08.602157+00:00` (aware)
 * or without the zone (naive). Fraction only when non-zero. Newer Cinder `created_at`/`launched_at`
 * (aware), Cinder `_context_timestamp` (naive).
 */
export function formatPyIsoformat(d: Date, aware: boolean): string {
  const { day, time, micro, hasFraction } = splitUtc(d);
  return `${day}T${time}${hasFraction ? `.${micro}` : ''}${aware ? '+00:00' : ''}`;
}

/**
 * `strftime('%Y-%m-%dT%H:%M:%S.%f')` (nova `utils.strtime`, oslo `timeutils.PERFECT_TIME_FORMAT`, used by
 * `jsonutils.to_primitive`): `2016-11-24T18:24:34.000000`, always six digits, no zone. Nova
 * `launched_at`/`terminated_at`/`deleted_at`, Nova `_context_timestamp`, Cinder attachment times and
 * volume type `created_at`.
 */
export function formatStrtime(d: Date): string {
  const { day, time, micro } = splitUtc(d);
  return `${day}T${time}.${micro}`;
}

export type DateFormatter = (d: Date) => string;
export const pyStrAware: DateFormatter = (d) => formatPyStr(d, true);
export const pyStrNaive: DateFormatter = (d) => formatPyStr(d, false);
export const pyIsoAware: DateFormatter = (d) => formatPyIsoformat(d, true);
export const pyIsoNaive: DateFormatter = (d) => formatPyIsoformat(d, false);

export function fmt(value: DateInput, formatter: DateFormatter): string {
  return typeof value === 'string' ? value : formatter(value);
}

/**
 * Default instants are whole milliseconds (see DEFAULT_TIMES) but real request/emission times carry
 * microseconds: defaults get three extra sub-millisecond digits (`.443` → `.443021`), which a
 * millisecond-precision parser truncates back to the DEFAULT_TIMES value. Given Dates are formatted as is.
 */
function withSubMillis(text: string): string {
  return text.replace(/(\.\d{3})000(\+00:00)?$/, '$1021$2');
}

export function fmtOrDefault(value: DateInput | undefined, fallback: Date, formatter: DateFormatter): string {
  return value === undefined ? withSubMillis(formatter(fallback)) : fmt(value, formatter);
}

/** Best-effort read of a DateInput to derive dependent defaults; zone-less strings are UTC (as OpenStack's). */
export function asDate(value: DateInput | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  const text = value.trim().replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export const plusSeconds = (d: Date, seconds: number): Date => new Date(d.getTime() + seconds * 1000);
