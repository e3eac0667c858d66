#!/usr/bin/env bash
# `npm test`: unit, CDK and integration suites against real parts (FerretDB, SQS emulator, RabbitMQ),
# starting what is not running. Extra arguments go to vitest, e.g. `npm test -- --project unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

# The first FerretDB build takes minutes; doing it here keeps it out of the tests' hook timeouts.
if [[ -z "${MONGODB_URI:-}" ]]; then
  npx tsx dev/ferretdb/build.ts >/dev/null
fi

# The bridge suites talk to the RabbitMQ of this machine (127.0.0.1:5672, guest/guest).
ensure_rabbitmq() {
  if ! command -v rabbitmq-server >/dev/null 2>&1 || ! command -v rabbitmqctl >/dev/null 2>&1; then
    echo "RabbitMQ is not installed (apt-get install rabbitmq-server): the bridge suites will fail" >&2
    return 0
  fi
  if rabbitmqctl -q status >/dev/null 2>&1; then
    return 0
  fi
  echo "starting RabbitMQ" >&2
  rabbitmq-server -detached >/dev/null 2>&1 || true
  local deadline=$((SECONDS + 90))
  until rabbitmqctl -q await_startup >/dev/null 2>&1 || rabbitmqctl -q status >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "RabbitMQ did not start within 90 s (see /var/log/rabbitmq/)" >&2
      return 0
    fi
    sleep 2
  done
}
ensure_rabbitmq

# The publisher Nova and Cinder really use (oslo.messaging's Notifier) and a real Keystone, from Debian,
# for the oslo and keystone suites. Installed only when missing: minutes the first time.
ensure_debian_packages() {
  local package missing=()
  for package in python3-oslo.messaging keystone; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  if ((EUID != 0)); then
    echo "missing Debian packages (apt-get install -y ${missing[*]}): the oslo and keystone suites will fail" >&2
    return 0
  fi
  echo "installing ${missing[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null >/dev/null
}
ensure_debian_packages

exec npx vitest run "$@"
