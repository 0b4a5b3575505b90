#!/usr/bin/env bash
# Detects the runtime, package manager and test runner of a project and how to get JUnit XML
# out of it. Inputs (env): WORKDIR, COMMAND, JUNIT_PATH, NODE_VERSION, JUNIT_DIR.
# Writes step outputs to $GITHUB_OUTPUT: node, python, node-version, package-manager, lockfile,
# cache, runner, junit-path.
set -euo pipefail
cd "${WORKDIR:-.}"

has_file() { for f in "$@"; do [[ -e "$f" ]] && return 0; done; return 1; }
pkg_has() { [[ -f package.json ]] && grep -Eq "\"$1\"" package.json; }

node=false
python=false
package_manager=""
lockfile=""
cache=""
if [[ -f package.json ]]; then
  node=true
  if [[ -f pnpm-lock.yaml ]]; then package_manager=pnpm; lockfile=pnpm-lock.yaml
  elif [[ -f yarn.lock ]]; then package_manager=yarn; lockfile=yarn.lock; cache=yarn
  elif [[ -f package-lock.json ]]; then package_manager=npm; lockfile=package-lock.json; cache=npm
  else package_manager=npm
  fi
fi
if has_file pyproject.toml requirements.txt requirements-dev.txt setup.py setup.cfg pytest.ini tox.ini; then python=true; fi

node_version="${NODE_VERSION:-}"
if [[ -z "$node_version" ]]; then
  for f in .nvmrc .node-version; do
    if [[ -f "$f" ]]; then node_version="$(tr -d '[:space:]' < "$f")"; break; fi
  done
fi
node_version="${node_version:-20}"

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
  echo "node=$node"
  echo "python=$python"
  echo "node-version=$node_version"
  echo "package-manager=$package_manager"
  echo "lockfile=$lockfile"
  echo "cache=$cache"
  echo "runner=$runner"
  echo "junit-dir=$junit_dir"
  echo "junit-path=$junit_path"
} >> "${GITHUB_OUTPUT:-/dev/stdout}"
