# Process helpers shared by up.sh and node-up.sh (sourced, not run). The caller defines log(),
# $L (log dir), $R (pid dir) and TEARDOWN (the command that undoes a half-started start-up).

start() { # name cmd...  (own process group so the down scripts can stop it and its children)
  local name=$1; shift
  setsid "$@" >"$L/$name.log" 2>&1 </dev/null &
  echo $! >"$R/$name.pid"
}

fail() { # message name: tells why, shows the component's log tail, tears down, exits 1
  log "FAILED: $1 (log kept: $L/$2.log); last lines:"
  tail -n 30 "$L/$2.log" >&2 || true
  "${TEARDOWN[@]}" >/dev/null 2>&1 || true
  exit 1
}

wait_for() { # name seconds cmd...: until cmd succeeds, failing if the process dies or time runs out
  local name=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$(cat "$R/$name.pid")" 2>/dev/null || fail "$name exited" "$name"
    [ $SECONDS -lt $deadline ] || fail "$name not ready after ${secs}s" "$name"
    sleep 0.3
  done
}
