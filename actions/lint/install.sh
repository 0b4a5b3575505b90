#!/usr/bin/env bash
# Installs the repository's dependencies the way its lockfile says, and ruff when asked for.
# Inputs (env): WORKDIR, PACKAGE_MANAGER, LOCKFILE, LINTERS, RUFF_VERSION, INSTALL.
set -euo pipefail
cd "${WORKDIR:-.}"

if [[ "${INSTALL:-true}" == "true" && -n "${PACKAGE_MANAGER:-}" ]]; then
  case "$PACKAGE_MANAGER" in
    npm)
      if [[ -n "${LOCKFILE:-}" ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi ;;
    pnpm) corepack enable && pnpm install --frozen-lockfile ;;
    yarn)
      corepack enable
      # Berry wants --immutable, classic --frozen-lockfile.
      if yarn --version | grep -q '^1\.'; then yarn install --frozen-lockfile; else yarn install --immutable; fi ;;
  esac
fi

if [[ ",${LINTERS:-}," == *",ruff,"* ]] && ! command -v ruff >/dev/null 2>&1; then
  python -m pip install --disable-pip-version-check --quiet "ruff==${RUFF_VERSION:?set ruff-version}"
fi
