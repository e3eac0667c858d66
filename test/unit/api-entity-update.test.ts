import { describe, expect, it } from 'vitest';
import { InvalidAttributesError, InvalidPayloadError } from '#http/errors';
import { updateInstanceBody } from '#http/handlers/entity-update';

const active = (value: unknown) => () => updateInstanceBody.parse(value, new URLSearchParams());
const closed = (value: unknown) => () =>
  updateInstanceBody.parse(value, new URLSearchParams({ start: '2016-01-01 00:00:00.0' }));

function errorsOf(parse: () => unknown): Record<string, string> {
  try {
    parse();
  } catch (error) {
    if (error instanceof InvalidAttributesError) return error.errors;
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('the active entity update body (voluptuous rules)', () => {
  it('accepts the fields Almanach knows with their types', () => {
    const fields = {
      name: 'db',
      flavor: 'm1.large',
      os: { distro: 'centos', version: '7', os_type: 'linux' },
      metadata: {},
      start_date: '2015-10-21T16:25:00.000000Z',
      end_date: '2015-10-21T16:25:00.000000Z',
    };
    expect(active(fields)()).toEqual({ fields });
  });

  it('names an unknown key', () => {
    expect(errorsOf(active({ flavor_flavor: 'FlavorA' }))).toEqual({
      flavor_flavor: 'extra keys not allowed',
    });
  });

  it('names each field with a wrong type', () => {
    expect(errorsOf(active({ start_date: '2016-04-14T18:30:00.00Z', flavor: 123, os: 123 }))).toEqual({
      flavor: 'expected unicode',
      os: 'expected a dictionary',
    });
  });

  it('requires the three OS fields', () => {
    expect(errorsOf(active({ os: { distro: 'centos', os_type: 'linux' } }))).toEqual({
      os: 'required key not provided',
    });
  });

  it('wants dates as %Y-%m-%dT%H:%M:%S.%fZ', () => {
    expect(errorsOf(active({ start_date: 'my date' }))).toEqual({
      start_date: 'value does not match expected format %Y-%m-%dT%H:%M:%S.%fZ',
    });
  });

  it('wants metadata as an object', () => {
    expect(errorsOf(active({ metadata: 'foobar' }))).toEqual({ metadata: 'expected dict' });
  });
});

describe('the closed entity update body', () => {
  it('ignores keys Almanach does not use', () => {
    expect(closed({ flavor: 'B', whatever: 1 })()).toEqual({ fields: { flavor: 'B', whatever: 1 } });
  });

  it('refuses keys that collide with the query parameters, as Python did', () => {
    expect(closed({ start: 'x' })).toThrow(InvalidPayloadError);
  });
});
