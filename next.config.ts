import type { NextConfig } from "next";

// Where the Python backend listens when the browser talks to it through this
// server (same-origin mode, NEXT_PUBLIC_API_URL unset). Read at build time:
// Next bakes rewrites into the build output.
const backendUrl = (process.env.BACKEND_URL || "http://localhost:8000").replace(/\/+$/, "");

const nextConfig: NextConfig = {
  // `next start` gzips what it proxies through rewrites, and a gzipped event
  // stream is held back until it ends: streaming and Stop would then break.
  compress: false,
  // The end-to-end run builds into its own folder so it never clobbers a
  // developer's build that points at another backend.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  experimental: {
    // The rewrite proxy drops a request after 30 s without a byte by default;
    // a turn may think longer than that before it streams (the backend's own
    // upstream timeout is 600 s).
    proxyTimeout: 620_000,
  },
  reactStrictMode: true,
  async rewrites() {
    if (process.env.NEXT_PUBLIC_API_URL) return [];
    return [{ source: "/api/:path*", destination: `${backendUrl}/api/:path*` }];
  },
};

export default nextConfig;
