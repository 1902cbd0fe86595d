/**
 * Builds the web app into web/dist, which the Worker serves as static assets (wrangler.toml
 * `[assets]`). Every screen is its own chunk (src/routes.tsx) so the first load stays small, and the
 * app is written against React's API but ships Preact (preact/compat): ~4 KB where react-dom is ~60 KB
 * gzipped, which is most of what a phone downloads before the first screen (issue 15).
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: {
    // Type-checking stays on @types/react (web/tsconfig.json); only the bundle swaps the runtime.
    alias: [
      { find: /^react-dom\/client$/, replacement: "preact/compat/client" },
      { find: /^react-dom$/, replacement: "preact/compat" },
      { find: /^react\/jsx-(dev-)?runtime$/, replacement: "preact/jsx-runtime" },
      { find: /^react$/, replacement: "preact/compat" },
    ],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // dist/.vite/manifest.json: which chunks each route pulls in; bench/first-load.ts reads it
    // (web/public/.assetsignore keeps it out of the deployed assets).
    manifest: true,
    reportCompressedSize: false,
  },
  server: {
    // `vite dev` for working on styles only; the API stays on wrangler dev.
    host: "127.0.0.1",
    proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } },
  },
});
