import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Served by the API at /console (apps/api/src/console-static.ts); every asset is bundled, no CDN.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  resolve: {
    // Workspace packages' `mesh-source` exports (@mesh/client, @mesh/core/statuses) are bundled from
    // their TypeScript source, not their CommonJS dist; nothing else of @mesh/core (zod) gets in.
    conditions: ['mesh-source', ...defaultClientConditions],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev -w @mesh/console` against an API on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
