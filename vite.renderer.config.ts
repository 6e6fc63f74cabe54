// Builds the renderer (src/renderer/index.html, one page for the three surfaces) into
// dist/renderer for `kassa serve`, or, under Electron Forge's Vite plugin, into the
// .vite/renderer/<name> folder Forge packs (Forge passes `forgeConfigSelf`).
//
// Decisions a caller must know:
// - base '/': every surface path (/, /customer, /manager) loads the same absolute /assets/….
// - The built index.html gets a Content-Security-Policy <meta> (script-src 'self', no inline
//   scripts anywhere; images may be data: URLs, which the QR and the receipt preview are).
//   Hosts send their own CSP header too; both apply. Not in `vite dev`, whose React refresh
//   needs an inline script.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('./src/renderer/', import.meta.url));
const projectRoot = fileURLToPath(new URL('./', import.meta.url));

export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');

function cspMeta(): Plugin {
  return {
    name: 'kassa-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: RENDERER_CSP }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig((env) => {
  const forgeName = (env as { forgeConfigSelf?: { name?: string } }).forgeConfigSelf?.name;
  return {
    root,
    base: '/',
    plugins: [react(), cspMeta()],
    build: {
      outDir: forgeName ? `${projectRoot}.vite/renderer/${forgeName}` : `${projectRoot}dist/renderer`,
      emptyOutDir: true,
      target: 'chrome120',
      sourcemap: false,
      assetsInlineLimit: 0,
      rollupOptions: {
        // zod's sources carry /* @__PURE__ */ comments where Rollup cannot use them; harmless noise.
        onwarn(warning, warn) {
          if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
          warn(warning);
        },
      },
    },
    clearScreen: false,
  };
});
