import { describe, expect, it } from 'vitest';
import { loadConfig, rulesConfigSchema } from '#config/schema';
import { ingestContextOpening } from '#ingest/compose';
import { CountingSink } from '#observability/ingest-metrics';
import type { Store } from '#store/mongo-client';
import { isTransientStoreError, StoreUnavailableError } from '#store/transient-errors';

const RULES = loadConfig(rulesConfigSchema, {});

describe('an ingest started while the store cannot be opened', () => {
  it('fails its first batch with a transient StoreUnavailableError instead of failing to start', async () => {
    const context = ingestContextOpening(
      () => Promise.reject(new Error('connect ECONNREFUSED')),
      RULES,
      new CountingSink(),
    );

    const failure = context.ports.appendEvents([]).catch((error: unknown) => error);

    expect(await failure).toBeInstanceOf(StoreUnavailableError);
    expect(isTransientStoreError(await failure)).toBe(true);
  });

  it('tries to open the store again at the next batch', async () => {
    let attempts = 0;
    const open = async (): Promise<Store> => {
      attempts++;
      throw new Error('connect ECONNREFUSED');
    };
    const context = ingestContextOpening(open, RULES, new CountingSink());

    await context.ports.appendEvents([]).catch(() => undefined);
    await context.ports.volumeTypeNames(['lvm']).catch(() => undefined);

    expect(attempts).toBe(2);
  });
});
