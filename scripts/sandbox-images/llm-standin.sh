#!/usr/bin/env bash
# Builds ragship-sandbox/llm-standin:latest (the deterministic OpenAI-compatible stand-in),
# rebuilt whenever server.mjs changes (the image carries its hash as a label).
set -euo pipefail
: "${ROOT:?}" "${NODE_IMAGE:?}"
dir="$ROOT/test/fixtures/llm-standin"
hash=$(cat "$dir/server.mjs" "$dir/Dockerfile" | sha256sum | cut -c1-16)
current=$(docker image inspect -f '{{ index .Config.Labels "ragship.source-hash" }}' ragship-sandbox/llm-standin:latest 2>/dev/null || true)
if [ "$current" != "$hash" ]; then
  echo "[sandbox] building ragship-sandbox/llm-standin:latest" >&2
  docker build -q -t ragship-sandbox/llm-standin:latest --label "ragship.source-hash=$hash" \
    --build-arg "NODE_IMAGE=$NODE_IMAGE" "$dir" >/dev/null
fi
