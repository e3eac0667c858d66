import { defineConfig } from 'vitest/config';

// Subpath imports (#domain/*, #store/*, ...) resolve through package.json "imports", as in Node.
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['lib/domain/**', 'lib/ingest/**'],
    },
    // Leaves the integration globalSetup time to stop FerretDB (SIGTERM, then SIGKILL after 5 s).
    teardownTimeout: 15_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          // Synthesizing a stack bundles its functions with esbuild: seconds each on two cores.
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/helpers/mongo-server.ts'],
          testTimeout: 60_000,
          // The first run may build FerretDB inside the global setup (dev/test.sh builds it beforehand).
          hookTimeout: 300_000,
          // Two cores: integration files share one server and each runs its own workers and emulators.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'keystone',
          include: ['test/keystone/**/*.test.ts'],
          environment: 'node',
          // A real Keystone (Debian's package, as a plain process), started only when these suites run.
          globalSetup: ['./test/helpers/mongo-server.ts', './test/helpers/keystone.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          exclude: ['test/reliability/faults.test.ts'],
          environment: 'node',
          globalSetup: ['./test/helpers/mongo-server.ts'],
          // Each file injects faults into real servers it starts (or the machine's RabbitMQ): one at a time.
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/reliability/faults.test.ts'],
          environment: 'node',
          // Stops the machine's RabbitMQ app among other faults: a group of its own, while no other file runs.
          sequence: { groupOrder: 1 },
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          // `npm start` starts FerretDB (SQLite), the SQS emulator, the bridge and the API in a child.
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
