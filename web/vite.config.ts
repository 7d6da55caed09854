/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is built into the Python package, which serves it at / next to /api/v1.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/drs_orchestrator/api/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    manifest: true,
    reportCompressedSize: true,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
