import { defineConfig } from 'vite';

// The build lands in <repo>/build/web, where `sluice server` finds it by default
// (<binary>/../../web from build/src/cli/sluice). Override with SLUICE_WEB_OUT.
export default defineConfig({
  base: './',
  build: {
    outDir: process.env.SLUICE_WEB_OUT ?? '../build/web',
    emptyOutDir: true,
    assetsDir: 'assets',
  },
});
