import { defineConfig } from 'vitest/config';

// unit: no external parts, parallel. integration/e2e: real Docker, registry, sshd, Chroma,
// S3 from `scripts/sandbox up`; one file at a time because they share one engine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
    ],
    reporters: ['default', 'junit'],
    outputFile: { junit: 'test-artifacts/junit.xml' },
  },
});
