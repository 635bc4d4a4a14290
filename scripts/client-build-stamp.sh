#!/usr/bin/env bash
# Prints a fingerprint of everything a production build of the web client depends on: its
# sources, its configuration, the lock file, and the backend URL baked into its rewrites.
# scripts/run-app.sh builds again only when the fingerprint changed.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  printf 'BACKEND_URL=%s\nNEXT_PUBLIC_API_URL=%s\n' "${BACKEND_URL:-}" "${NEXT_PUBLIC_API_URL:-}"
  for dir in app components lib stores public; do
    if [ -d "$dir" ]; then find "$dir" -type f; fi
  done | LC_ALL=C sort | xargs sha256sum
  sha256sum package.json package-lock.json next.config.ts tsconfig.json postcss.config.mjs
} | sha256sum | cut -d' ' -f1
