import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { almanachBody, bodyDate } from '#http/body';
import { InvalidDateError, InvalidPayloadError, MissingParamError } from '#http/errors';
import { createVolumeBody } from '#http/schemas';

const spec = almanachBody(z.object({ date: bodyDate('When'), flavor: z.string(), size: z.number().int() }));
const parse = (json: unknown) => spec.parse(json, new URLSearchParams());

describe("Almanach's body reading", () => {
  it('returns the fields when all are there with their types', () => {
    expect(parse({ date: 'd', flavor: 'f', size: 1, extra: true })).toEqual({
      date: 'd',
      flavor: 'f',
      size: 1,
    });
  });

  it('names the first missing field in the order Almanach reads them', () => {
    expect(() => parse({ size: 1 })).toThrow(new MissingParamError('date'));
    expect(() => parse({ date: 'd' })).toThrow(
      "The 'flavor' param is mandatory for the request you have made.",
    );
  });

  it('reports a missing field before a wrongly typed one', () => {
    expect(() => parse({ date: 5, flavor: 'f' })).toThrow(MissingParamError);
  });

  it('reports a date of the wrong type as an invalid date', () => {
    expect(() => parse({ date: 5, flavor: 'f', size: 1 })).toThrow(InvalidDateError);
  });

  it('reports any other wrong type as an invalid payload', () => {
    expect(() => parse({ date: 'd', flavor: 'f', size: 'big' })).toThrow(InvalidPayloadError);
  });

  it.each<unknown>([[1], 'text', null])('refuses %j as an invalid payload', (body) => {
    expect(() => parse(body)).toThrow('Invalid parameter or payload');
  });
});

describe('the volume creation body', () => {
  const volume = (fields: Record<string, unknown>) =>
    createVolumeBody.parse(
      { volume_id: 'v', start: 's', volume_type: null, size: 20, volume_name: null, ...fields },
      new URLSearchParams(),
    );

  it('reads attached_to given as a list, an empty string (Almanach’s example) or a single id', () => {
    expect(volume({ attached_to: ['i-1', 'i-2'] }).attached_to).toEqual(['i-1', 'i-2']);
    expect(volume({ attached_to: '' }).attached_to).toEqual([]);
    expect(volume({ attached_to: 'i-1' }).attached_to).toEqual(['i-1']);
  });

  it('reads a size given as a string of digits', () => {
    expect(volume({ attached_to: [], size: '150' }).size).toBe(150);
  });
});
