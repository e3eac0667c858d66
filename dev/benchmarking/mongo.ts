/**
 * What the store benchmarks share, on the server startBenchmarkDatabase gives (MONGODB_URI as given, else a
 * FerretDB of their own on loopback): a fresh database per case dropped afterwards, the store opened as the Lambda
 * opens it but with command monitoring, and a count of the commands sent (round trips).
 */
import type { CommandStartedEvent, CommandSucceededEvent, Db } from 'mongodb';
import { MongoClient } from 'mongodb';
import { collectionsOf, ensureIndexes } from '#store/collections';
import type { Store } from '#store/mongo-client';
import { uniqueDatabaseName } from '#test/helpers/mongo-server';
import type { BenchmarkDatabase } from './benchmark-database.ts';
import { within } from './harness.ts';

const DROP_TIMEOUT_MS = 30_000;

/** Round trips and the time the driver waited for their replies, per command name. */
export class CommandCounter {
  private readonly counts = new Map<string, number>();
  private readonly waitedMs = new Map<string, number>();

  watch(client: MongoClient): void {
    client.on('commandStarted', (event: CommandStartedEvent) => {
      this.counts.set(event.commandName, (this.counts.get(event.commandName) ?? 0) + 1);
    });
    client.on('commandSucceeded', (event: CommandSucceededEvent) => this.addWait(event));
    // A failed command (a duplicate key on a revision claim) was a round trip all the same.
    client.on('commandFailed', (event) => this.addWait(event));
  }

  snapshot(): CommandTally {
    return new CommandTally(new Map(this.counts), new Map(this.waitedMs));
  }

  private addWait(event: { commandName: string; duration: number }): void {
    this.waitedMs.set(event.commandName, (this.waitedMs.get(event.commandName) ?? 0) + event.duration);
  }
}

/** Counts at one moment; `since` gives what happened between two moments. */
export class CommandTally {
  constructor(
    readonly counts: ReadonlyMap<string, number>,
    readonly waitedMs: ReadonlyMap<string, number>,
  ) {}

  since(earlier: CommandTally): CommandTally {
    const minus = (now: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>) =>
      new Map(
        [...now]
          .map(([name, value]): [string, number] => [name, value - (before.get(name) ?? 0)])
          .filter(([, value]) => value > 0),
      );
    return new CommandTally(minus(this.counts, earlier.counts), minus(this.waitedMs, earlier.waitedMs));
  }

  get total(): number {
    return sum(this.counts.values());
  }

  get totalWaitedMs(): number {
    return sum(this.waitedMs.values());
  }

  /**
   * `update 3.00 (12.1 ms), find 2.00 (4.0 ms)`: commands and the time waited for them per unit
   * (notification, event), most frequent first; where a cost that grows comes from.
   */
  breakdown(per: number): string {
    return [...this.counts]
      .sort(([, a], [, b]) => b - a)
      .map(([name, count]) => {
        const waited = (this.waitedMs.get(name) ?? 0) / per;
        return `${name} ${(count / per).toFixed(2)} (${waited.toFixed(1)} ms)`;
      })
      .join(', ');
  }
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

export interface BenchDatabase {
  db: Db;
  /** A store on it with a client of its own, as each concurrent Lambda instance has. */
  openStore(): Promise<Store>;
  drop(): Promise<void>;
}

/**
 * A fresh database. Its stores are what openStore (lib/store/mongo-client.ts) builds — same pool size,
 * same collections, indexes ensured — plus command monitoring, which openStore has no option for.
 */
export async function freshDatabase(
  server: Pick<BenchmarkDatabase, 'uri'>,
  prefix: string,
  counter: CommandCounter,
): Promise<BenchDatabase> {
  const name = uniqueDatabaseName(prefix);
  const clients: MongoClient[] = [];
  const connect = async (): Promise<MongoClient> => {
    const client = new MongoClient(server.uri, { maxPoolSize: 5, monitorCommands: true });
    clients.push(client);
    counter.watch(client);
    await client.connect();
    return client;
  };
  const admin = await connect();
  await ensureIndexes(collectionsOf(admin.db(name)));
  return {
    db: admin.db(name),
    openStore: async () => {
      const client = await connect();
      return { client, collections: collectionsOf(client.db(name)) };
    },
    drop: async () => {
      // Bounded: a server that stopped answering must not keep the run from ending.
      await within(`dropping ${name}`, DROP_TIMEOUT_MS, admin.db(name).dropDatabase()).catch(() => undefined);
      await Promise.all(clients.map((client) => client.close(true)));
    },
  };
}

/**
 * Runs `work` on a fresh database and drops it afterwards, whatever happened. `seconds` bounds the whole
 * case: the loops inside check their Deadline between steps, this ends a step that never returns.
 */
export async function inFreshDatabase<T>(
  server: Pick<BenchmarkDatabase, 'uri'>,
  prefix: string,
  counter: CommandCounter,
  seconds: number,
  work: (database: BenchDatabase) => Promise<T>,
): Promise<T> {
  const database = await freshDatabase(server, prefix, counter);
  try {
    return await within(`${prefix} case`, seconds * 1_000, work(database));
  } finally {
    await database.drop();
  }
}
