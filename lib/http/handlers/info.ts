import { z } from 'zod';
import type { ApiResult } from '../route-spec.ts';
import type { ContextOf } from '../route-table.ts';

export const infoJsonSchema = z.object({
  info: z.object({ version: z.string() }),
  database: z.object({ all_entities: z.number().int(), active_entities: z.number().int() }),
});

/** Almanach's GET /info: the version and how many entity versions are stored, and running (up to 30 s old). */
export async function info({ services }: ContextOf<'getInfo'>): Promise<ApiResult> {
  const { all, active } = await services.entityCounts();
  const json: z.infer<typeof infoJsonSchema> = {
    info: { version: services.version },
    database: { all_entities: all, active_entities: active },
  };
  return { status: 200, json };
}
