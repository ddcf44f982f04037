#!/usr/bin/env bash
# Installs the real components the registry tier (tier 4) tests against (idempotent):
#   docker-registry  Debian's Distribution registry, started by test/registry/ helpers
#   apache2-utils    htpasswd for the registry's Basic auth mode
#   skopeo, umoci    independent readers of what the client pushed
#   openssl          self-signed CAs and token-signing keys made at test time
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../lib/apt-ensure.sh" docker-registry apache2-utils skopeo umoci openssl
# The Debian package starts a system registry on :5000 when installed; the tests start their
# own on free ports, so the system one is not needed (and must not hold the port for others).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry >/dev/null 2>&1 || true
fi
