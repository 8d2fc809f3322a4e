import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { precompress } from './scripts/precompress.ts';

// Heavy libraries live in their own chunks so the first screen (login + shell) stays small;
// routes are split with React.lazy in src/routes.ts.
export default defineConfig({
  plugins: [react(), precompress(fileURLToPath(new URL('dist', import.meta.url)))],
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
