import { apiFunctionHandler } from '#http/lambda';

/** The API's public routes (see lib/http/routes.ts), behind API Gateway. */
export const handler = await apiFunctionHandler('public');
