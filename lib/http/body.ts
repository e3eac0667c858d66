import { z } from 'zod';
import { InvalidDateError, InvalidPayloadError, MissingParamError, ValidationError } from './errors.ts';

/**
 * How a route reads its body: the schema (also published in the OpenAPI document) and the parse that
 * turns a failure into Almanach's error for it.
 */
export interface BodySpec<T> {
  schema: z.ZodType | undefined;
  /** `query` for the one route whose body rules depend on it (the entity update). */
  parse(json: unknown, query: URLSearchParams): T;
}

export const NO_BODY: BodySpec<undefined> = { schema: undefined, parse: () => undefined };

/** Dates given in a body: Almanach reports any unusable one (even a number) as an invalid date. */
const DATE_FIELDS = new WeakSet<z.core.$ZodType>();

export function bodyDate(description: string) {
  const schema = z.string().describe(`${description} (ISO-8601-like, UTC when no zone is given)`);
  DATE_FIELDS.add(schema);
  return schema;
}

/**
 * Almanach's body handling, in its order: a body that is not a JSON object → `Invalid parameter or
 * payload`; then the first missing field in the order Almanach reads them → `The '<field>' param is
 * mandatory…`; then an unusable date → the invalid-date message; then any other wrong type → `Invalid
 * parameter or payload`. Fields Almanach does not read are ignored (its own documented examples carry some).
 * Beyond Almanach (Python's integers and strings have no size limit), a value too big to keep (an id
 * over its length, a size past what a double holds exactly) is refused naming the field.
 */
export function almanachBody<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
): BodySpec<z.output<z.ZodObject<Shape>>> {
  return {
    schema,
    parse(body) {
      const value = jsonObject(body);
      for (const [field, fieldSchema] of Object.entries(schema.shape)) {
        if (!(field in value) && !z.safeParse(fieldSchema, undefined).success)
          throw new MissingParamError(field);
      }
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data;
      const dateIssue = parsed.error.issues.some((issue) => {
        const field = issue.path[0];
        const fieldSchema = typeof field === 'string' ? schema.shape[field] : undefined;
        return fieldSchema !== undefined && DATE_FIELDS.has(fieldSchema);
      });
      if (dateIssue) throw new InvalidDateError();
      const tooBig = parsed.error.issues.find((issue) => issue.code === 'too_big');
      if (tooBig) throw new ValidationError(tooBig.path.join('.'), tooBig.message);
      throw new InvalidPayloadError(parsed.error.issues[0]?.message);
    },
  };
}

export function jsonObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPayloadError('the body is not a JSON object');
  }
  return Object.fromEntries(Object.entries(value));
}
