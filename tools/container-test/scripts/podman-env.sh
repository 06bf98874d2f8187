#!/usr/bin/env bash
# Sourced by the container test's scripts: makes sure podman can run here, and points it at our configuration.
# What works on these machines: Debian's podman (4.3) with runc, run as root, the overlay driver and cgroupfs (crun
# fails on the hosts' hybrid cgroups), and default ulimits lowered below the hosts' hard limits (a container asking
# for more than the host allows does not start).
set -euo pipefail

HM_CONTAINER_STATE="${HM_CONTAINER_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/haymaker/container-test}"
mkdir -p "$HM_CONTAINER_STATE"

hm_apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg"); done
  [ "${#missing[@]}" = 0 ] && return 0
  [ "$(id -u)" = 0 ] || { echo "container test: run as root to install ${missing[*]} (apt-get)" >&2; return 1; }
  echo "container test: installing ${missing[*]} with apt-get" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
}

hm_podman_setup() {
  hm_apt_install podman runc debootstrap
  cat >"$HM_CONTAINER_STATE/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  cat >"$HM_CONTAINER_STATE/storage.conf" <<CONF
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
  export CONTAINERS_CONF="$HM_CONTAINER_STATE/containers.conf"
  export CONTAINERS_STORAGE_CONF="$HM_CONTAINER_STATE/storage.conf"
}
