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
    // The largest chunk is the 3-D view (three.js and react-three-fiber, about 550 KiB, 150 KiB with
    // brotli), loaded only when a 3-D view first opens; the start bundle is far below this.
    chunkSizeWarningLimit: 700,
  },
});
