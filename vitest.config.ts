import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // The crash test forks real child processes; give it room without slowing the rest.
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
