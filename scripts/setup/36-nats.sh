#!/usr/bin/env bash
# nats-server with JetStream for the async-invocation tests (the JetStream queue's contract and
# fault tests, bench:async): built from its Go module (github.com/nats-io/nats-server/v2, the
# version pinned in hack/testenv/versions.env) by hack/testenv/build.sh into
# ~/.cache/eventflow/k8s-testenv/bin/nats-server-v<version>/ (stamped: skipped when present;
# `nice -n 19`). The tests start and stop their own servers on free ports.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
exec "$ROOT/hack/testenv/build.sh" nats-server
