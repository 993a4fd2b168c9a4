import { defineConfig } from 'vite';

// Built by `npm run build` (`vite build console`): the root is this folder and the output goes to
// dist/console, which the server serves at `/` (src/server/http-server.ts). No plugin is needed:
// Vite's own transform compiles TSX with React's automatic runtime, and nothing is fetched.
export default defineConfig({
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // React Query marks its modules "use client" for server-component bundlers; meaningless here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
