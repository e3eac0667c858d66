import { describe, expect, it } from 'vitest';
import { encodeCsv, prefersCsv } from '#http/csv';

describe('CSV encoding', () => {
  it('writes a header line, then one line per row, CRLF-terminated', () => {
    expect(encodeCsv({ columns: ['a', 'b'], rows: [[1, 'x']] })).toBe('a,b\r\n1,x\r\n');
  });

  it('quotes cells holding commas, quotes or line breaks, and leaves null cells empty', () => {
    expect(encodeCsv({ columns: ['v'], rows: [['a,b'], ['say "hi"'], ['two\nlines'], [null]] })).toBe(
      'v\r\n"a,b"\r\n"say ""hi"""\r\n"two\nlines"\r\n\r\n',
    );
  });
});

describe('content negotiation', () => {
  it.each([
    ['text/csv', true],
    ['text/csv, application/json;q=0.5', true],
    ['text/csv, */*', true],
    ['application/json', false],
    ['application/json, text/csv', false],
    ['text/csv;q=0.2, application/json', false],
    ['*/*', false],
    [undefined, false],
  ])('%j asks for CSV: %s', (accept, csv) => {
    expect(prefersCsv(accept)).toBe(csv);
  });
});
