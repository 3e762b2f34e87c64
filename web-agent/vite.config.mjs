import path from 'node:path';
import { defineConfig } from 'vite';

// No @vitejs/plugin-react: Vite's own transform compiles TSX with the automatic JSX runtime
// (the plugin only adds Fast Refresh in development, which the served build does not use).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  resolve: {
    alias: { '@contract': path.resolve(import.meta.dirname, '../server/realtime/contract.ts') },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One inline <script> would need a CSP hash: keep the module preload polyfill out (every target browser has it).
    modulePreload: { polyfill: false },
  },
  server: {
    // `vite` alone for UI work: the API and the realtime socket go to a running Hotline.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
