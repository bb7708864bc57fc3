import { defineConfig } from 'vite';

// The renderer bundle. The headless server and the desktop window both load it from the core.
export default defineConfig({
  root: 'renderer',
  base: '/',
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
