#!/usr/bin/env bash
# A real local Airflow 3 (API server, scheduler, DAG processor) on 127.0.0.1 with this project's DAGs.
# Usage: scripts/airflow.sh start|stop|status. Metadata (SQLite), logs and pids live in $AIRFLOW_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
venv=${VENV:-$project/.venv}
port=${AIRFLOW_PORT:-8080}

export AIRFLOW_HOME=${AIRFLOW_HOME:-$project/.airflow}
export AIRFLOW__CORE__DAGS_FOLDER=$project/dags
# The scheduler creates the model pool from plugins/briefing_pool.py when a run first needs it.
export AIRFLOW__CORE__PLUGINS_FOLDER=$project/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__EXECUTOR=LocalExecutor
# One task at a time by default: two cores, and model-heavy tasks are further limited by their pool.
export AIRFLOW__CORE__PARALLELISM=${AIRFLOW__CORE__PARALLELISM:-2}
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$port/execution/
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT=$port
export AIRFLOW__API__BASE_URL=http://127.0.0.1:$port
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-10}
export AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=${AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE:-True}
run_dir=$AIRFLOW_HOME/run
passwords=$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated

start() {
  mkdir -p "$run_dir" "$AIRFLOW_HOME/logs"
  if status >/dev/null; then echo "Airflow is already running on http://127.0.0.1:$port"; return 0; fi
  if ! "$venv/bin/airflow" db migrate >"$AIRFLOW_HOME/logs/migrate.log" 2>&1; then
    echo "airflow db migrate failed; see $AIRFLOW_HOME/logs/migrate.log" >&2
    tail -n 15 "$AIRFLOW_HOME/logs/migrate.log" >&2
    return 1
  fi
  if [ ! -s "$passwords" ]; then
    umask 077
    printf '{"admin": "%s"}\n' "$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))')" >"$passwords"
  fi
  for component in api-server scheduler dag-processor; do
    args=()
    # The scheduler's log server would listen on every interface (port 8793, not configurable); the API server
    # runs on this machine and reads task logs from $AIRFLOW_HOME/logs directly, so it is not started.
    [ "$component" = scheduler ] && args=(--skip-serve-logs)
    setsid nohup "$venv/bin/airflow" "$component" "${args[@]}" >"$AIRFLOW_HOME/logs/$component.log" 2>&1 &
    echo $! >"$run_dir/$component.pid"
  done
  for _ in $(seq 1 180); do
    for component in api-server scheduler dag-processor; do
      if ! kill -0 "$(cat "$run_dir/$component.pid")" 2>/dev/null; then
        echo "Airflow $component failed to start; the end of $AIRFLOW_HOME/logs/$component.log:" >&2
        tail -n 15 "$AIRFLOW_HOME/logs/$component.log" >&2
        stop >/dev/null
        return 1
      fi
    done
    # Up means the API answers and reports the scheduler and the DAG processor healthy (they heartbeat).
    if "$venv/bin/python" - "$port" 2>/dev/null <<'PY'
import json, sys, urllib.request
health = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v2/monitor/health", timeout=2))
sys.exit(0 if all((health.get(c) or {}).get("status") == "healthy" for c in ("scheduler", "dag_processor")) else 1)
PY
    then
      echo "Airflow UI: http://127.0.0.1:$port  (login: admin / $("$venv/bin/python" -c "import json; print(json.load(open('$passwords'))['admin'])"))"
      echo "API token: curl -s -X POST http://127.0.0.1:$port/auth/token -H 'Content-Type: application/json' -d '{\"username\": \"admin\", \"password\": \"...\"}'"
      return 0
    fi
    sleep 1
  done
  echo "Airflow did not come up healthy in 180 s; see $AIRFLOW_HOME/logs/" >&2
  stop >/dev/null
  return 1
}

stop() {
  for pidfile in "$run_dir"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  echo "Airflow stopped"
}

status() {
  local up=1
  for component in api-server scheduler dag-processor; do
    if [ -e "$run_dir/$component.pid" ] && kill -0 "$(cat "$run_dir/$component.pid")" 2>/dev/null; then
      echo "$component: running"
      up=0
    else
      echo "$component: stopped"
    fi
  done
  return $up
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
