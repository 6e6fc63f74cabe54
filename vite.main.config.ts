import { defineConfig } from 'vite';

// Native modules are loaded from node_modules at run time, never bundled.
export default defineConfig({
  build: { rollupOptions: { external: ['better-sqlite3', 'serialport', 'node-hid', /^@serialport\//] } },
});
