#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions are called indirectly through run_one
# Runs every selected linter, all of them even when one fails, with output GitHub turns into
# annotations (Biome and ruff `github` reporters, setup-node's ESLint matcher, our own lines for
# Prettier and `ruff format`). Writes a job-summary table and fails if any linter failed.
# Inputs (env): WORKDIR, LINTERS, PACKAGE_MANAGER, FIX_HINTS.
set -uo pipefail
cd "${WORKDIR:-.}" || exit 2

exec_bin() {
  case "${PACKAGE_MANAGER:-npm}" in
    pnpm) pnpm exec "$@" ;;
    yarn) yarn "$@" ;;
    *) npx --no-install "$@" ;;
  esac
}

declare -a rows=()
failed=0
run_one() {
  local name="$1"; shift
  local started=$SECONDS status
  echo "::group::$name"
  "$@"
  status=$?
  echo "::endgroup::"
  local took=$((SECONDS - started))
  if [[ $status -eq 0 ]]; then rows+=("| ✅ | $name | passed | ${took} s |")
  else rows+=("| ❌ | $name | exit $status | ${took} s |"); failed=1
  fi
}

prettier_check() {
  local out status
  out="$(exec_bin prettier --check . 2>&1)"
  status=$?
  printf '%s\n' "$out"
  while IFS= read -r line; do
    if [[ "$line" =~ ^\[warn\]\ (.+)$ && "${BASH_REMATCH[1]}" != Code\ style\ issues* ]]; then
      echo "::warning file=${BASH_REMATCH[1]},title=Prettier::not formatted — run prettier --write"
    fi
  done <<< "$out"
  return "$status"
}

ruff_check() {
  local status=0 out line
  ruff check --output-format=github . || status=$?
  out="$(ruff format --check . 2>&1)" || status=$?
  printf '%s\n' "$out"
  while IFS= read -r line; do
    if [[ "$line" =~ ^Would\ reformat:\ (.+)$ ]]; then
      echo "::warning file=${BASH_REMATCH[1]},title=ruff format::not formatted — run ruff format"
    fi
  done <<< "$out"
  return "$status"
}

IFS=',' read -r -a linters <<< "${LINTERS:-}"
if [[ ${#linters[@]} -eq 0 ]]; then
  echo "::warning title=ragship lint::no linter found (Biome, ESLint, Prettier, ruff or an npm 'lint' script); set the 'linters' input"
fi
for linter in "${linters[@]}"; do
  case "$linter" in
    biome) run_one Biome exec_bin biome ci --reporter=github . ;;
    eslint) run_one ESLint exec_bin eslint --max-warnings=0 . ;;
    prettier) run_one Prettier prettier_check ;;
    ruff) run_one ruff ruff_check ;;
    npm-script) run_one "npm run lint" npm run lint ;;
  esac
done

if [[ -n "${GITHUB_STEP_SUMMARY:-}" && ${#rows[@]} -gt 0 ]]; then
  {
    echo "## $([[ $failed -eq 0 ]] && echo ✅ || echo ❌) Lint"
    echo
    echo "|  | linter | result | time |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
  } >> "$GITHUB_STEP_SUMMARY"
fi
exit "$failed"
