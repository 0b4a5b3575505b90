#!/usr/bin/env bash
# Builds ragship-sandbox/nginx:latest (apt nginx on the sandbox Debian base).
# Called by `scripts/sandbox up` with DEBIAN_IMAGE, ROOT, STATE; skips when the image exists.
set -euo pipefail
IMAGE=ragship-sandbox/nginx:latest
: "${DEBIAN_IMAGE:?DEBIAN_IMAGE is required}" "${ROOT:?ROOT is required}"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
printf '[sandbox] building %s (apt nginx on %s)\n' "$IMAGE" "$DEBIAN_IMAGE" >&2
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
docker build -q -t "$IMAGE" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
  -f "$ROOT/scripts/sandbox-images/nginx.Dockerfile" "$ctx" >/dev/null
