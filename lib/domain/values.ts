import { z } from 'zod';

/**
 * The scalar values an entity keeps, checked once for notifications and API requests alike, so that an
 * event is stored only when the event log can read it back as it was (entityEventSchema at every re-fold).
 */

/** Ids reach index keys and every later filter; no OpenStack id (a UUID, a project id) comes near this. */
export const MAX_ID_LENGTH = 255;

export const identifier = z.string().min(1).max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`);

/**
 * A size or count as OpenStack sends it: a JSON number or a string of digits (Cinder's `"150"`). Only the
 * integers a double holds exactly: beyond them `Number` rounds (20 digits) or overflows to Infinity (400
 * digits), and JSON stores Infinity as null. Too big is a `too_big` issue, so the API can name the field.
 */
export const wholeNumber = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((value, ctx) => {
    const number = Number(value);
    if (number > Number.MAX_SAFE_INTEGER) {
      ctx.addIssue({
        code: 'too_big',
        origin: 'number',
        maximum: Number.MAX_SAFE_INTEGER,
        inclusive: true,
        input: value,
        message: `must be at most ${Number.MAX_SAFE_INTEGER}`,
      });
      return z.NEVER;
    }
    if (!Number.isInteger(number)) {
      ctx.addIssue({ code: 'custom', input: value, message: 'must be a whole number' });
      return z.NEVER;
    }
    return number;
  });
