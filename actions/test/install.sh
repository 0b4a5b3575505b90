#!/usr/bin/env bash
# Installs the project's dependencies as its lockfile says (Node) or its requirements (Python).
# Inputs (env): WORKDIR, PACKAGE_MANAGER, LOCKFILE, RUNNER, INSTALL.
set -euo pipefail
cd "${WORKDIR:-.}"
[[ "${INSTALL:-true}" == "true" ]] || exit 0

case "${PACKAGE_MANAGER:-}" in
  npm) if [[ -n "${LOCKFILE:-}" ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi ;;
  pnpm) corepack enable; pnpm install --frozen-lockfile ;;
  yarn)
    corepack enable
    if yarn --version | grep -q '^1\.'; then yarn install --frozen-lockfile; else yarn install --immutable; fi ;;
esac

if [[ "${RUNNER:-}" == "pytest" ]]; then
  pip=(python -m pip install --disable-pip-version-check --quiet)
  if [[ -f requirements-dev.txt ]]; then "${pip[@]}" -r requirements-dev.txt
  elif [[ -f requirements.txt ]]; then "${pip[@]}" -r requirements.txt
  elif [[ -f pyproject.toml || -f setup.py ]]; then "${pip[@]}" -e .
  fi
  python -m pytest --version >/dev/null 2>&1 || "${pip[@]}" pytest
fi
