#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser tests (idempotent). playwright-core
# drives /usr/bin/chromium; no browser is ever downloaded by a test tool.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../lib/apt-ensure.sh" chromium fonts-dejavu-core
