/**
 * Entities being written by this process. A writer waits until none of its entities is held, then holds
 * them all at once: it never waits while holding, so two writers cannot wait for each other.
 */
export class EntityLocks {
  private readonly held = new Map<string, Promise<void>>();

  async acquire(entityIds: readonly string[]): Promise<() => void> {
    for (;;) {
      const busy = entityIds.flatMap((id) => this.held.get(id) ?? []);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const id of entityIds) this.held.set(id, released);
    return () => {
      for (const id of entityIds) if (this.held.get(id) === released) this.held.delete(id);
      release();
    };
  }
}
