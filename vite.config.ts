import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app lives in web/; `npm run build` writes web/dist, which the server serves.
export default defineConfig({
  root: 'web',
  plugins: [react()],
  // The manifest lists each chunk and what it imports: test/web/bundle-budget.test.ts reads it to hold
  // the script a page downloads to its budget.
  build: { outDir: 'dist', emptyOutDir: true, manifest: true },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
