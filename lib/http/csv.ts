import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null;

export interface CsvTable {
  columns: readonly string[];
  rows: readonly (readonly CsvCell[])[];
}

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * `Accept: text/csv` on the list and usage routes (beyond Almanach): the same rows as the JSON body,
 * one line per version or usage line, RFC 4180 quoting, header line first.
 */
export function encodeCsv({ columns, rows }: CsvTable): string {
  return stringify([columns, ...rows], {
    record_delimiter: 'windows',
    // csv-stringify stops quoting line breaks once record_delimiter is set; a name may hold one.
    quote_record_delimiter: true,
    // Every text cell may be a tenant's (names, metadata, flavors, OS fields, ids sent to the API) and is
    // opened in billing spreadsheets, so every one starting with = + - @ tab or CR gets a leading quote.
    // Quantities stay numbers, which csv-stringify never escapes: a negative figure is not prefixed.
    escape_formulas: true,
  });
}

/**
 * Whether the client prefers CSV to JSON: the higher `q` wins, JSON on a tie and when Accept is missing
 * (Almanach's clients send `Accept: application/json`).
 */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const weights = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [type = '', ...parameters] = part.split(';').map((item) => item.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    weights.set(type, Math.max(weights.get(type) ?? 0, Number.isFinite(weight) ? weight : 0));
  }
  const csv = weights.get('text/csv') ?? 0;
  const json = weights.get('application/json') ?? 0;
  // A named type beats a wildcard of the same weight (RFC 9110 specificity).
  const wildcard = Math.max(weights.get('*/*') ?? 0, weights.get('application/*') ?? 0);
  return csv > 0 && csv > json && csv >= wildcard;
}
