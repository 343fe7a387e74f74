import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The storefront (web/): `vite build` writes it to dist/web, which the API serves at / (src/http/storefront.ts);
 * `npm run web:dev` serves it with hot reload and sends /graphql to the API of `npm run dev` (port 4000).
 * STOREFRONT_OUT_DIR builds elsewhere (the browser test builds into a folder of its own).
 */
export default defineConfig({
  root: "web",
  plugins: [react()],
  build: {
    outDir: process.env.STOREFRONT_OUT_DIR ?? "../dist/web",
    emptyOutDir: true,
    // The polyfill is for browsers without <link rel="modulepreload">; every current one has it.
    modulePreload: { polyfill: false },
    // Everything as files under /assets: the CSP allows no inline script or style, and data: only for images.
    assetsInlineLimit: 0,
  },
  server: { proxy: { "/graphql": "http://localhost:4000" } },
});
