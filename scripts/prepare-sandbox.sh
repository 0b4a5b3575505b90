#!/usr/bin/env bash
# Runs before `npm test` and `npm run demo`: brings the sandbox up (idempotent, ~1 s when up)
# and installs the example app's and web page's packages when they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/sandbox up
for pkg in example-app example-app/web; do
  if [ ! -d "$pkg/node_modules" ]; then
    npm ci --no-audit --no-fund --prefix "$pkg"
  fi
done
