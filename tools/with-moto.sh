#!/usr/bin/env bash
# Runs a command against a moto server (the local AWS emulator), starting one if needed.
#
#   tools/with-moto.sh [--reuse] PORT -- COMMAND [ARGS...]
#
# Without --reuse: starts a moto of its own on 127.0.0.1:PORT, or on the next free port when
#   PORT is busy (tests: never share state with a running `make run`).
# With --reuse: when something already answers on 127.0.0.1:PORT, uses it and leaves it running;
#   otherwise starts one there.
# Waits until moto answers (deadline MOTO_START_TIMEOUT seconds, default 30), exports
# AWS_ENDPOINT_URL / MOTO_ENDPOINT and dummy credentials for it, runs COMMAND, and stops the
# moto it started when COMMAND ends, fails or is interrupted (Ctrl-C, TERM). Moto's log goes to
# .local/moto-PORT.log. The exit status is COMMAND's.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# moto through tools/moto_server.py, which makes its DynamoDB atomic (see that file).
python="$root/.venv/bin/python"
moto_server="$root/tools/moto_server.py"
timeout_s=${MOTO_START_TIMEOUT:-30}

reuse=0
if [[ ${1:-} == --reuse ]]; then reuse=1; shift; fi
port=${1:?usage: with-moto.sh [--reuse] PORT -- COMMAND...}
shift
[[ ${1:-} == -- ]] && shift
(($# > 0)) || { echo "with-moto: no command given" >&2; exit 2; }

# True when something accepts TCP connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# True when moto's control API answers on 127.0.0.1:$1.
moto_answers() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$1/moto-api/"; }

moto_pid=""
stop_moto() {
    [[ -n $moto_pid ]] || return 0
    if kill -0 "$moto_pid" 2>/dev/null; then
        kill -TERM "$moto_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$moto_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$moto_pid" 2>/dev/null || true
    fi
    wait "$moto_pid" 2>/dev/null || true
    echo "with-moto: stopped moto on port $port (pid $moto_pid)" >&2
    moto_pid=""
}
trap stop_moto EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ((reuse)) && listening "$port"; then
    echo "with-moto: reusing the emulator already listening on 127.0.0.1:$port (left running)" >&2
else
    if ! ((reuse)); then
        first=$port
        while listening "$port"; do
            port=$((port + 1))
            ((port < first + 50)) || { echo "with-moto: no free port in $first..$port" >&2; exit 1; }
        done
    fi
    [[ -x $python ]] || { echo "with-moto: $python is missing (run: make tools)" >&2; exit 1; }
    mkdir -p "$root/.local"
    log="$root/.local/moto-$port.log"
    # In a session of its own (where setsid exists) so a Ctrl-C in the terminal reaches COMMAND
    # only: moto keeps serving while COMMAND shuts down, then the EXIT trap stops it.
    launcher=()
    command -v setsid >/dev/null 2>&1 && launcher=(setsid)
    ${launcher[@]+"${launcher[@]}"} "$python" "$moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 </dev/null &
    moto_pid=$!
    deadline=$((SECONDS + timeout_s))
    until moto_answers "$port"; do
        if ! kill -0 "$moto_pid" 2>/dev/null; then
            wait "$moto_pid" 2>/dev/null || true
            moto_pid=""
            echo "with-moto: moto exited before answering on port $port; its log:" >&2
            tail -n 20 "$log" >&2
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            echo "with-moto: moto did not answer on port $port within ${timeout_s}s (log: $log)" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "with-moto: moto listening on 127.0.0.1:$port (pid $moto_pid, log .local/moto-$port.log)" >&2
fi

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export MOTO_ENDPOINT="$AWS_ENDPOINT_URL"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_DEFAULT_REGION="$AWS_REGION" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

# Not `exec`: this shell must outlive COMMAND to stop moto afterwards.
status=0
"$@" || status=$?
exit "$status"
