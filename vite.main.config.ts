// Vite config for the main process and the core process (Forge's VitePlugin builds each `build`
// entry with it; the entry comes from forge.config.ts). Both are ES modules (package.json has
// "type": "module"; Electron runs ESM in main and in a utilityProcess), one file per entry,
// unminified so a terminal's log shows real stack traces.
//
// Decisions a caller must know:
// - The native modules stay external: a `.node` binary cannot be bundled, so they are loaded
//   from node_modules at run time (copied into the package by forge.config.ts).
// - Every `node:` builtin is external too: Forge's list is Node 20's, and Electron's Node has
//   more (node:sqlite), which Vite would otherwise replace with a browser stub.
// - Some bundled CommonJS code keeps lazy `require()` calls (undici loads node:tls only for an
//   https connection, as the Alipay client makes); an ES module has no `require`, so the banner
//   defines one. node:sqlite stays such a lazy require, so a core whose Electron lacks it still
//   starts.
import { defineConfig } from 'vite';
import { NATIVE_EXTERNALS } from './electron/native-modules.ts';

export const REQUIRE_BANNER = "import { createRequire as __kassaCreateRequire } from 'node:module'; const require = __kassaCreateRequire(import.meta.url);";

export default defineConfig((env) => {
  const entry = (env as { forgeConfigSelf?: { entry?: string } }).forgeConfigSelf?.entry ?? 'electron/main.ts';
  return {
    build: {
      lib: { entry, formats: ['es'], fileName: () => '[name].js' },
      target: 'node22',
      minify: false,
      sourcemap: true,
      commonjsOptions: { ignore: ['node:sqlite'] },
      rollupOptions: { external: [...NATIVE_EXTERNALS, /^node:/], output: { banner: REQUIRE_BANNER } },
    },
    resolve: { conditions: ['node'] },
  };
});
