import type { NextConfig } from "next";

// Where the Python backend listens when the browser talks to it through this
// server (same-origin mode, NEXT_PUBLIC_API_URL unset). Read at build time:
// Next bakes rewrites into the build output.
const backendUrl = (process.env.BACKEND_URL || "http://localhost:8000").replace(/\/+$/, "");

// The backend's own origin when the browser calls it directly (cross-origin mode).
const apiOrigin = (() => {
  const raw = process.env.NEXT_PUBLIC_API_URL;
  if (!raw) return "";
  try {
    return new URL(raw).origin;
  } catch {
    return "";
  }
})();

// What the page may load. Images only from itself, data: and blob: (a remote image in an answer
// would send data out with no click: components/chat/Markdown.tsx shows those as links); no
// framing by other sites. Scripts come only from this origin; 'unsafe-inline' stays because the
// App Router streams its page data in inline <script> tags that carry no nonce.
const contentSecurityPolicy = [
  "default-src 'self'",
  `img-src 'self' data: blob: ${apiOrigin}`.trim(),
  `connect-src 'self' ${apiOrigin}`.trim(),
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

const nextConfig: NextConfig = {
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: contentSecurityPolicy },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
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
