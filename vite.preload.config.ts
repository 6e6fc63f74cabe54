// Vite config for the preload (Forge's VitePlugin makes it one CommonJS file, which a sandboxed
// preload needs: it cannot load ES modules or split chunks). It imports only types from
// src/shared/api.ts, so no zod or core code ends up in the page's process.
import { defineConfig } from 'vite';

export default defineConfig({
  build: { minify: false },
});
