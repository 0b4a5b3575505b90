#!/usr/bin/env bash
# Detects the runtime, package manager and test runner of a project and how to get JUnit XML
# out of it. Inputs (env): WORKDIR, COMMAND, JUNIT_PATH, NODE_VERSION, JUNIT_DIR.
# Writes step outputs to $GITHUB_OUTPUT: node, python, node-version, package-manager, lockfile,
# cache, runner, junit-path.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../_shared/detect.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_shared/detect.sh"
cd "${WORKDIR:-.}"

detect_project pytest.ini tox.ini

junit_dir="${JUNIT_DIR:-${RUNNER_TEMP:-/tmp}/ragship-junit}"
runner=custom
junit_path="${JUNIT_PATH:-}"
if [[ -z "${COMMAND:-}" ]]; then
  if [[ "$node" == true ]] && pkg_has vitest; then runner=vitest
  elif [[ "$node" == true ]] && pkg_has jest; then runner=jest
  elif [[ "$node" == true ]] && grep -Eq '"test"[[:space:]]*:[[:space:]]*"node --test' package.json; then runner='node-test'
  elif [[ "$node" == true ]] && grep -Eq '"test"[[:space:]]*:' package.json; then runner='npm-test'
  elif [[ "$python" == true ]]; then runner=pytest
  else
    echo "::error title=ragship test::no test runner found in ${WORKDIR:-.} (vitest, jest, node --test, an npm test script, pytest); set the 'command' input"
    exit 2
  fi
fi
if [[ -z "$junit_path" ]]; then
  case "$runner" in
    vitest|jest|node-test|pytest) junit_path="$junit_dir/*.xml" ;;
    *) junit_path="**/junit*.xml" ;;
  esac
fi

echo "runner=$runner node=$node python=$python package-manager=${package_manager:-none} junit=$junit_path"
{
  project_outputs
  echo "runner=$runner"
  echo "junit-dir=$junit_dir"
  echo "junit-path=$junit_path"
} >> "${GITHUB_OUTPUT:-/dev/stdout}"
