#!/usr/bin/env bash
# Runs the tests with a JUnit reporter. Never fails the step itself: the exit code goes to the
# `exit-code` output so the report step always runs, and the last step of the action fails with it.
# Inputs (env): WORKDIR, RUNNER, COMMAND, JUNIT_DIR, PACKAGE_MANAGER.
set -uo pipefail
cd "${WORKDIR:-.}" || exit 2
mkdir -p "$JUNIT_DIR"

exec_bin() {
  case "${PACKAGE_MANAGER:-npm}" in
    pnpm) pnpm exec "$@" ;;
    yarn) yarn "$@" ;;
    *) npx --no-install "$@" ;;
  esac
}

case "${RUNNER:-custom}" in
  vitest) exec_bin vitest run --reporter=default --reporter=junit --outputFile.junit="$JUNIT_DIR/junit-vitest.xml" ;;
  jest)
    if grep -q '"jest-junit"' package.json; then
      JEST_JUNIT_OUTPUT_DIR="$JUNIT_DIR" JEST_JUNIT_OUTPUT_NAME=junit-jest.xml exec_bin jest --ci --reporters=default --reporters=jest-junit
    else
      echo "::warning title=ragship test::jest-junit is not a dependency: no per-test annotations (npm i -D jest-junit)"
      exec_bin jest --ci
    fi ;;
  node-test)
    node --test --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=junit --test-reporter-destination="$JUNIT_DIR/junit-node.xml" ;;
  npm-test) npm test ;;
  pytest) python -m pytest --junitxml="$JUNIT_DIR/junit-pytest.xml" ;;
  custom) bash -o errexit -o pipefail -c "$COMMAND" ;;
esac
code=$?
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
echo "tests exited with status $code"
exit 0
