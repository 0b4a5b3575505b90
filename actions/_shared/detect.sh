# shellcheck shell=bash
# Project detection shared by actions/lint/detect.sh and actions/test/detect.sh, which source this
# file (found next to their own folder: a composite action used as owner/repo/actions/lint@v1 runs
# from a checkout of the whole repository) and then call, from the project's folder:
#   detect_project [file...]  sets node, python, package_manager, lockfile, cache, node_version
#                             (NODE_VERSION, else .nvmrc or .node-version, else 20); the files
#                             given mark a Python project besides the common ones.
#   project_outputs           prints those as step-output lines.
# shellcheck disable=SC2034  # the variables set here are read by the scripts that source this file

has_file() { for f in "$@"; do [[ -e "$f" ]] && return 0; done; return 1; }
pkg_has() { [[ -f package.json ]] && grep -Eq "\"$1\"" package.json; }

detect_project() {
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
  if has_file pyproject.toml requirements.txt requirements-dev.txt setup.py setup.cfg "$@"; then python=true; fi

  node_version="${NODE_VERSION:-}"
  if [[ -z "$node_version" ]]; then
    for f in .nvmrc .node-version; do
      if [[ -f "$f" ]]; then node_version="$(tr -d '[:space:]' < "$f")"; break; fi
    done
  fi
  node_version="${node_version:-20}"
}

project_outputs() {
  echo "node=$node"
  echo "python=$python"
  echo "node-version=$node_version"
  echo "package-manager=$package_manager"
  echo "lockfile=$lockfile"
  echo "cache=$cache"
}
