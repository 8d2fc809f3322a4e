import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { precompress } from './scripts/precompress.ts';

// Heavy libraries live in their own chunks so the first screen (login + shell) stays small;
// routes are split with React.lazy in src/routes.ts.
export default defineConfig({
  plugins: [
    react(),
    // An installable app whose shell opens offline (docs/field.md "Offline"). main.tsx registers
    // the worker itself (an injected inline script would break the studio's CSP); the plugin adds the
    // manifest's <link> to index.html.
    VitePWA({
      injectRegister: false,
      registerType: 'autoUpdate',
      includeAssets: ['icons/*.png'],
      manifest: {
        name: 'Attain',
        short_name: 'Attain',
        description: 'Sales performance management',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#4f46e5',
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell: index.html and the hashed assets (not their .br/.gz twins).
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest,woff2}'],
        // The province map's shapes (~340 kB) are fetched only by a map widget, online; a rep's
        // phone need not store them to work offline.
        globIgnores: ['**/china-*.js'],
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/graphql/, /^\/healthz/, /^\/metrics/],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        // No API answer is cached except the two reads the field screen needs offline: the day's
        // visits and the customers to choose from. Network first: online, the answer is fresh.
        // The session's sign-out deletes this cache (session.tsx).
        runtimeCaching: [
          {
            urlPattern: ({ url, request }) =>
              request.method === 'GET' && url.origin === self.location.origin && (url.pathname === '/api/v1/field/checkins' || url.pathname === '/api/v1/objects/customer'),
            handler: 'NetworkFirst',
            options: {
              cacheName: 'attain-field-reads',
              networkTimeoutSeconds: 10,
              expiration: { maxEntries: 30, maxAgeSeconds: 7 * 24 * 3600 },
              cacheableResponse: { statuses: [200] },
            },
          },
        ],
      },
    }),
    precompress(fileURLToPath(new URL('dist', import.meta.url))),
  ],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // A group must not swallow its dependencies (rjsf would take React with it into a
          // chunk the first screen then has to load).
          includeDependenciesRecursively: false,
          groups: [
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 30 },
            { name: 'rjsf', test: /node_modules[\\/](@rjsf|lodash|jsonpointer|markdown-to-jsx|react-is|@x0k)[\\/]/, priority: 20 },
            { name: 'excel', test: /node_modules[\\/](read-excel-file|fflate|saxen|unzipper-esm|worker-f)[\\/]/, priority: 20 },
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': process.env.ATTAIN_API ?? 'http://127.0.0.1:3000' },
  },
});
