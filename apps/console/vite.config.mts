import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the API at /console (apps/api/src/console-static.ts); every asset is bundled, no CDN.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
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
