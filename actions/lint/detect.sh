#!/usr/bin/env bash
# Detects what a repository needs to be linted: runtimes, package manager, linters.
# Inputs (env): WORKDIR, LINTERS (auto | comma list), NODE_VERSION, PYTHON_VERSION.
# Writes step outputs to $GITHUB_OUTPUT (node, python, node-version, package-manager, lockfile,
# cache, linters) and prints what it found.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../_shared/detect.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_shared/detect.sh"

cd "${WORKDIR:-.}"
requested="${LINTERS:-auto}"

detect_project ruff.toml .ruff.toml

detected=()
if [[ "$requested" == "auto" ]]; then
  if has_file biome.json biome.jsonc || pkg_has '@biomejs/biome'; then detected+=(biome); fi
  if has_file eslint.config.js eslint.config.mjs eslint.config.cjs eslint.config.ts .eslintrc .eslintrc.js \
    .eslintrc.cjs .eslintrc.json .eslintrc.yml .eslintrc.yaml || pkg_has eslintConfig; then detected+=(eslint); fi
  if has_file .prettierrc .prettierrc.json .prettierrc.yml .prettierrc.yaml .prettierrc.js .prettierrc.cjs \
    .prettierrc.mjs .prettierrc.toml prettier.config.js prettier.config.cjs prettier.config.mjs ||
    { pkg_has prettier && grep -Eq '"prettier"[[:space:]]*:[[:space:]]*[{"]' package.json; }; then detected+=(prettier); fi
  if has_file ruff.toml .ruff.toml || { [[ -f pyproject.toml ]] && grep -q '^\[tool\.ruff' pyproject.toml; }; then
    detected+=(ruff)
  fi
  if [[ ${#detected[@]} -eq 0 && "$node" == true ]] && grep -Eq '"lint"[[:space:]]*:' package.json; then
    detected+=(npm-script)
  fi
else
  IFS=', ' read -r -a detected <<< "${requested//$'\n'/,}"
fi

linters=""
for l in "${detected[@]}"; do
  [[ -z "$l" ]] && continue
  case "$l" in
    biome|eslint|prettier|ruff|npm-script) linters="${linters:+$linters,}$l" ;;
    *) echo "::error title=ragship lint::unknown linter '$l' (use biome, eslint, prettier, ruff, npm-script or auto)"; exit 2 ;;
  esac
done
if [[ ",$linters," == *",ruff,"* ]]; then python=true; fi

echo "node=$node python=$python package-manager=${package_manager:-none} linters=${linters:-none}"
{
  project_outputs
  echo "linters=$linters"
} >> "${GITHUB_OUTPUT:-/dev/stdout}"
