import { describe, expect, it } from 'vitest';
import { isUpdateDatetime, parseBodyDate, parseQueryDate } from '#http/almanach-dates';
import { InvalidDateError, InvalidPayloadError } from '#http/errors';

describe('query dates (strptime %Y-%m-%d %H:%M:%S.%f)', () => {
  it('reads the format Almanach clients send', () => {
    expect(parseQueryDate('2016-01-01 18:29:00.000', 'down')).toEqual(new Date('2016-01-01T18:29:00.000Z'));
  });

  it('accepts one to six fraction digits and one-digit fields, as strptime does', () => {
    expect(parseQueryDate('2014-1-2 3:4:5.0', 'down')).toEqual(new Date('2014-01-02T03:04:05.000Z'));
    expect(parseQueryDate('2016-01-01 00:00:00.123456', 'down')).toEqual(
      new Date('2016-01-01T00:00:00.123Z'),
    );
  });

  it('rounds a sub-millisecond start up and a sub-millisecond end down', () => {
    expect(parseQueryDate('2016-01-01 00:00:00.000001', 'up')).toEqual(new Date('2016-01-01T00:00:00.001Z'));
    expect(parseQueryDate('2016-01-01 00:00:00.000999', 'down')).toEqual(
      new Date('2016-01-01T00:00:00.000Z'),
    );
  });

  it.each([
    '2016-01-01',
    '2016-01-01 00:00:00',
    '2016-01-01T00:00:00.000',
    '2016-01-01 00:00:00.000Z',
    '2016-01-01 00:00:00.1234567',
    '2016-02-30 00:00:00.0',
    '2016-01-01 24:00:00.0',
    'yesterday',
  ])('refuses %j as Almanach answers strptime’s ValueError: Invalid parameter or payload', (text) => {
    expect(() => parseQueryDate(text, 'down')).toThrow(InvalidPayloadError);
    expect(() => parseQueryDate(text, 'down')).toThrow('Invalid parameter or payload');
  });
});

describe('body dates (lenient)', () => {
  it.each([
    ['2016-11-24 17:15:05+00:00', '2016-11-24T17:15:05.000Z'],
    ['2016-11-24T17:25:05.00Z', '2016-11-24T17:25:05.000Z'],
    ['2015-01-31 18:24:34.152300', '2015-01-31T18:24:34.152Z'],
    ['2016-01-01T18:30:00Z', '2016-01-01T18:30:00.000Z'],
  ])('reads %j', (text, iso) => {
    expect(parseBodyDate(text)).toEqual(new Date(iso));
  });

  it.each([['A_BAD_DATE'], [123], [null]])('refuses %j with the invalid-date error', (value) => {
    expect(() => parseBodyDate(value)).toThrow(InvalidDateError);
  });
});

describe('update datetimes (voluptuous Datetime)', () => {
  it('accepts %Y-%m-%dT%H:%M:%S.%fZ', () => {
    expect(isUpdateDatetime('2016-04-14T18:30:00.00Z')).toBe(true);
  });

  it.each(['2015-10-21', '2016', '2016-04-14 18:30:00.00Z', '2016-04-14T18:30:00Z', 'my date', 42])(
    'refuses %j',
    (value) => {
      expect(isUpdateDatetime(value)).toBe(false);
    },
  );
});
