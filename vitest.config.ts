import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './tests/setup/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          // One real control plane per test run, started (or reused) here.
          globalSetup: ['tests/setup/cluster.ts'],
          // Tests wait on real controllers; each test has its own namespace, so files may run side by side,
          // but two cores are shared with the control plane: keep concurrency low.
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration-serial',
          // Tests that stop admission-ipam itself: they run alone, after every other integration test.
          include: ['tests/integration-serial/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          globalSetup: ['tests/setup/cluster.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
