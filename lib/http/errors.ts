import { z } from 'zod';

/**
 * What can go wrong with a request, as Almanach words it. Each error knows its status and body; the error
 * middleware (middleware/error-mapper.ts) is the only place that turns them into responses. Anything else
 * thrown is an internal fault: 500 with a fixed message, details in the log only.
 */
export abstract class ApiError extends Error {
  abstract readonly status: number;

  /** The JSON body, `{"error": ...}` as Almanach answers; a string for a plain-text body. */
  get body(): unknown {
    return { error: this.message };
  }
}

export const INVALID_DATE_MESSAGE =
  'The provided date has an invalid format. Format should be of yyyy-mm-ddThh:mm:ss.msZ, ex: 2015-01-31T18:24:34.1523Z';

export class InvalidDateError extends ApiError {
  override readonly name = 'InvalidDateError';
  readonly status = 400;

  constructor() {
    super(INVALID_DATE_MESSAGE);
  }
}

/** Almanach's KeyError: a body field or the `start` query parameter is missing. */
export class MissingParamError extends ApiError {
  override readonly name = 'MissingParamError';
  readonly status = 400;

  constructor(readonly param: string) {
    super(`The '${param}' param is mandatory for the request you have made.`);
  }
}

/** Almanach's TypeError/ValueError: the body is not JSON, not an object, or a field has the wrong type. */
export class InvalidPayloadError extends ApiError {
  override readonly name = 'InvalidPayloadError';
  readonly status = 400;

  constructor(readonly detail?: string) {
    super('Invalid parameter or payload');
  }
}

/** Almanach's InvalidAttributeException (entity update): `{"error": {"<field>": "<message>"}}`. */
export class InvalidAttributesError extends ApiError {
  override readonly name = 'InvalidAttributesError';
  readonly status = 400;

  constructor(readonly errors: Record<string, string>) {
    super(
      Object.entries(errors)
        .map(([field, message]) => `${field}: ${message}`)
        .join('; '),
    );
  }

  override get body(): unknown {
    return { error: this.errors };
  }
}

export class MultipleEntitiesError extends ApiError {
  override readonly name = 'MultipleEntitiesError';
  readonly status = 400;

  constructor() {
    super('Multiple entities found while updating a closed entity');
  }
}

/** Beyond Almanach's routes (pagination, usage): a query parameter is invalid, named in the message. */
export class ValidationError extends ApiError {
  override readonly name = 'ValidationError';
  readonly status = 400;

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export class EntityNotFoundError extends ApiError {
  override readonly name = 'EntityNotFoundError';
  readonly status = 404;
}

export class VolumeTypeNotFoundError extends ApiError {
  override readonly name = 'VolumeTypeNotFoundError';
  readonly status = 404;

  constructor(volumeTypeId: string) {
    super(`Unable to find volume_type_id "${volumeTypeId}"`);
  }
}

export class RouteNotFoundError extends ApiError {
  override readonly name = 'RouteNotFoundError';
  readonly status = 404;

  constructor() {
    super('The requested URL was not found on the server');
  }
}

export class MethodNotAllowedError extends ApiError {
  override readonly name = 'MethodNotAllowedError';
  readonly status = 405;

  constructor(readonly allowed: readonly string[]) {
    super('The method is not allowed for the requested URL');
  }
}

/** Almanach answers a failed authentication with the plain-text body `Unauthorized`. */
export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;

  constructor() {
    super('Unauthorized');
  }

  override get body(): unknown {
    return 'Unauthorized';
  }
}

/** A valid Keystone token without any of KEYSTONE_ALLOWED_ROLES (beyond Almanach, which had no roles). */
export class ForbiddenError extends ApiError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;

  constructor() {
    super('Forbidden');
  }
}

export class PayloadTooLargeError extends ApiError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;

  constructor(limit: number) {
    super(`The request body is larger than ${limit} bytes`);
  }
}

/** The HttpError @middy/http-json-body-parser throws for a missing or malformed body. */
const bodyParserError = z.object({
  statusCode: z.literal(415),
  cause: z.object({ package: z.literal('@middy/http-json-body-parser') }),
});

/** Our errors as they are; the JSON parser's 415 as Almanach's answer to a body that is not JSON. */
export function apiErrorOf(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (bodyParserError.safeParse(error).success) return new InvalidPayloadError('the body is not JSON');
  return undefined;
}

/** Beyond Almanach: an unpaginated list whose body would outgrow API_MAX_LIST_BYTES. */
export class ListTooLargeError extends ApiError {
  override readonly name = 'ListTooLargeError';
  readonly status = 413;

  constructor(limit: number) {
    super(`The list is larger than ${limit} bytes: ask for it in pages with the limit and cursor parameters`);
  }
}
