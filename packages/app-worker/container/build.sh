#!/usr/bin/env bash
# Builds the worker image from this checkout. Usage: build.sh [image name, default localhost/haymaker-worker:dev]
#   BASE_IMAGE        the base of both stages (default node:24-slim, the Containerfile's)
#   CONTAINER_ENGINE  podman (default) or docker
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
image="${1:-localhost/haymaker-worker:dev}"
engine="${CONTAINER_ENGINE:-podman}"
context="$(mktemp -d "${TMPDIR:-/tmp}/haymaker-worker-image.XXXXXX")"
trap 'rm -rf "$context"' EXIT

node "$here/writeContext.ts" "$context" >&2
args=(build --file "$here/Containerfile" --tag "$image")
# podman writes OCI images unless told otherwise, and OCI images have no HEALTHCHECK.
[ "$(basename "$engine")" = podman ] && args+=(--format docker)
[ -n "${BASE_IMAGE:-}" ] && args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
"$engine" "${args[@]}" "$context" >&2
echo "$image"
