import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Two static pages, no third-party code at run time: everything the browser loads is in dist/.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        privacy: resolve(import.meta.dirname, 'privacy.html'),
      },
    },
  },
  server: { proxy: { '/query': 'http://127.0.0.1:8080' } },
});
