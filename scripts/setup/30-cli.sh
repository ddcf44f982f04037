#!/usr/bin/env bash
# Installs the independent image tools the CLI's integration tests verify against (idempotent):
#   skopeo       reads back what `eventflow build --push` pushed (inspect, copy to an OCI layout)
#   umoci        unpacks our layers and builds the test base image (node + its ldd libraries)
#   podman runc  runs the built image for real (`--runtime runc`: crun fails on hybrid cgroups here)
#   uidmap       newuidmap/newgidmap, which podman expects to find
#   time         GNU time: CPU seconds of each build in bench:build
#   buildah      the bench's third builder (an equivalent Containerfile, vfs storage)
# The registry itself (docker-registry, apache2-utils) is installed by the registry package's script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../lib/apt-ensure.sh" skopeo umoci podman runc uidmap time buildah
