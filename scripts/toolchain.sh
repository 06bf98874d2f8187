#!/usr/bin/env bash
# Sourced by ./dev and .ci/run. Puts a Node >= 22.12 and the pinned pnpm on PATH.
# Machines here may only have Node 20 and npm, and nothing may be fetched from outside the npm registry, so an older
# Node is replaced by the registry's platform package (node-<os>-<arch>) installed into the git-ignored .toolchain/.
set -euo pipefail

HM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HM_TOOLCHAIN="$HM_ROOT/.toolchain"
HM_NODE_MAJOR="$(tr -d 'v \n' <"$HM_ROOT/.node-version" | cut -d. -f1)"
HM_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "$HM_ROOT/package.json")"

hm_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

hm_platform_package() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "unsupported OS $(uname -s)" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "unsupported CPU $(uname -m)" >&2; return 1 ;;
  esac
  echo "node-$os-$arch"
}

hm_provision() {
  local pkg need_node=0
  pkg="$(hm_platform_package)"
  hm_node_ok || need_node=1
  if [ "$need_node" = 1 ] && [ ! -x "$HM_TOOLCHAIN/node_modules/$pkg/bin/node" ]; then
    echo "toolchain: Node $(node --version 2>/dev/null || echo none) is older than 22.12; installing $pkg@$HM_NODE_MAJOR from the npm registry" >&2
    mkdir -p "$HM_TOOLCHAIN"
    npm install --prefix "$HM_TOOLCHAIN" --no-save --no-package-lock --loglevel=error "$pkg@$HM_NODE_MAJOR" >&2
  fi
  if [ -x "$HM_TOOLCHAIN/node_modules/$pkg/bin/node" ] && { [ "$need_node" = 1 ] || [ -n "${HM_FORCE_LOCAL_NODE:-}" ]; }; then
    export PATH="$HM_TOOLCHAIN/node_modules/$pkg/bin:$PATH"
  fi
  if [ ! -x "$HM_TOOLCHAIN/pnpm/node_modules/.bin/pnpm" ] \
    || [ "$("$HM_TOOLCHAIN/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$HM_PNPM_VERSION" ]; then
    echo "toolchain: installing pnpm@$HM_PNPM_VERSION from the npm registry" >&2
    mkdir -p "$HM_TOOLCHAIN/pnpm"
    npm install --prefix "$HM_TOOLCHAIN/pnpm" --no-save --no-package-lock --loglevel=error "pnpm@$HM_PNPM_VERSION" >&2
  fi
  export PATH="$HM_TOOLCHAIN/pnpm/node_modules/.bin:$PATH"
  hash -r
}

hm_install_deps() {
  # Reinstall only when the lockfile changed since the last install.
  local stamp="$HM_ROOT/node_modules/.hm-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$HM_ROOT/pnpm-lock.yaml" "$stamp"; then
    (cd "$HM_ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
    cp "$HM_ROOT/pnpm-lock.yaml" "$stamp"
  fi
}

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
hm_provision
