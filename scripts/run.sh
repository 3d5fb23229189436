#!/usr/bin/env bash
# Load the demo data (idempotent; prints a login per role), start a Celery worker and
# beat on the embedded broker, then serve.
set -euo pipefail
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
PY=.venv/bin/python
mkdir -p var/log
# Links in emails and work-chat messages point where this server answers, unless
# SITE_URL says otherwise (the worker reads it too).
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}

.venv/bin/celery -A twinning worker --loglevel=INFO --pool=solo >var/log/worker.log 2>&1 &
WORKER=$!
.venv/bin/celery -A twinning beat --loglevel=INFO >var/log/beat.log 2>&1 &
BEAT=$!
trap 'kill $WORKER $BEAT 2>/dev/null || true' EXIT INT TERM

$PY manage.py seed_demo
echo
echo "  结对帮扶管理平台 is at  http://$HOST:$PORT/"
echo "  Celery worker and beat are running (logs in var/log/)."
echo
$PY manage.py runserver "$HOST:$PORT" --noreload
