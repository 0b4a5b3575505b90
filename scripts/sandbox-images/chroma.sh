#!/usr/bin/env bash
# Builds ragship-sandbox/chroma:1.0.5 (Chroma server from npm on the sandbox node image).
# Called by `scripts/sandbox up` with NODE_IMAGE, ROOT, STATE; skips when the image exists.
set -euo pipefail
IMAGE=ragship-sandbox/chroma:1.0.5
: "${NODE_IMAGE:?NODE_IMAGE is required}" "${ROOT:?ROOT is required}"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
printf '[sandbox] building %s (chroma from npm on %s)\n' "$IMAGE" "$NODE_IMAGE" >&2
docker build -q -t "$IMAGE" --build-arg "NODE_IMAGE=$NODE_IMAGE" \
  -f "$ROOT/scripts/sandbox-images/chroma.Dockerfile" "$ROOT/scripts/sandbox-images/chroma" >/dev/null
