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

  it.each([
    ['=', '=HYPERLINK("http://evil.example","bill")', `"'=HYPERLINK(""http://evil.example"",""bill"")"`],
    ['+', '+1+cmd', "'+1+cmd"],
    ['-', '-2+3', "'-2+3"],
    ['@', '@SUM(A1)', "'@SUM(A1)"],
    ['a tab', '\t=1', "'\t=1"],
    ['a carriage return', '\r=1', `"'\r=1"`],
  ])('makes a text cell starting with %s read as text in a spreadsheet', (_, text, encoded) => {
    expect(encodeCsv({ columns: ['name'], rows: [[text]] })).toBe(`name\r\n${encoded}\r\n`);
  });

  it('leaves negative numbers as numbers: only text can carry a formula', () => {
    expect(encodeCsv({ columns: ['seconds'], rows: [[-3600], [-1.5]] })).toBe('seconds\r\n-3600\r\n-1.5\r\n');
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
