import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// A build marker (WEB_BUILD, e.g. the image version; `dev` when unset): in a <meta> of every page
// and in the script, so each build is recognisable and a new one has new hashed asset names.
const build = process.env.WEB_BUILD || 'dev';
if (!/^[A-Za-z0-9._+-]{1,64}$/.test(build))
  throw new Error(`WEB_BUILD ${JSON.stringify(build)}: use letters, digits, . _ + -`);

// Two static pages, no third-party code at run time: everything the browser loads is in dist/.
export default defineConfig({
  define: { __WEB_BUILD__: JSON.stringify(build) },
  plugins: [
    {
      name: 'build-marker',
      transformIndexHtml: () => [
        { tag: 'meta', attrs: { name: 'ragship-build', content: build }, injectTo: 'head' },
      ],
    },
  ],
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
