#!/usr/bin/env bash
# The container test, a stage of .ci/run: podman (installed with apt-get when missing), a base image, the worker's
# image, then two worker containers against the local stack (test/scaleOut.test.ts).
#   run.sh              the test
#   run.sh --prepare    only podman and the base image (.ci/run starts it early, in the background)
#   run.sh --bench ...  one container against two instead (bench/scaleOut.bench.ts; --events, --rounds, --write)
#   HAYMAKER_BASE_IMAGE    build on this base (default: a local stand-in for node:24-slim, built once and reused,
#                          since these machines cannot reach a container registry)
#   HAYMAKER_WORKER_IMAGE  test this image instead of building one from the checkout
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
source scripts/toolchain.sh

started=$SECONDS
source "$here/scripts/podman-env.sh"
hm_podman_setup
echo "container test: podman $(podman --version | awk '{print $3}') ready in $((SECONDS - started)) s"
started=$SECONDS
base="${HAYMAKER_BASE_IMAGE:-$(bash "$here/scripts/local-base.sh")}"
echo "container test: base image $base ready in $((SECONDS - started)) s"
[ "${1:-}" = --prepare ] && exit 0

started=$SECONDS
image="${HAYMAKER_WORKER_IMAGE:-$(BASE_IMAGE="$base" packages/app-worker/container/build.sh localhost/haymaker-worker:test)}"
echo "container test: worker image $image built in $((SECONDS - started)) s"
export HAYMAKER_WORKER_IMAGE="$image"

started=$SECONDS
if [ "${1:-}" = --bench ]; then
  shift
  node "$here/bench/scaleOut.bench.ts" "$@"
  echo "container test: the bench took $((SECONDS - started)) s"
else
  pnpm exec vitest run --root "$here"
  echo "container test: the scale-out test took $((SECONDS - started)) s"
fi
