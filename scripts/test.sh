#!/usr/bin/env bash
# `npm test`: starts what the suites need that is not running, then runs unit, integration and CDK tests.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin"

# FerretDB is built once into ~/.cache/almanach (2-4 minutes the first time), outside any test timeout.
if [ -z "${MONGODB_URI:-}" ]; then
  npx tsx scripts/ferretdb-build.ts
fi

# The bridge suites talk to the RabbitMQ of this machine (127.0.0.1:5672, guest/guest).
if command -v rabbitmqctl >/dev/null 2>&1; then
  if ! rabbitmqctl -q status >/dev/null 2>&1; then
    echo "starting RabbitMQ (rabbitmq-server -detached)"
    rabbitmq-server -detached
  fi
  timeout 120 rabbitmqctl -q await_startup
else
  echo "RabbitMQ is not installed: the bridge suites will fail to connect (apt-get install rabbitmq-server)"
fi

npx vitest run "$@"
