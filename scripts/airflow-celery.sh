#!/usr/bin/env bash
# A real Airflow 3 cluster on one machine, on 127.0.0.1: PostgreSQL, Redis, API server, scheduler, DAG processor
# and two Celery workers (distinct names and log-server ports), all from this project's files.
# Usage: scripts/airflow-celery.sh start|stop|status.
# Everything (database, secrets, logs, pids) lives in $BRIEFING_CLUSTER_HOME (default .airflow-celery/).
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
venv=${VENV:-$project/.venv}
py=$venv/bin/python

home=${BRIEFING_CLUSTER_HOME:-$project/.airflow-celery}
mkdir -p "$home"
home=$(cd "$home" && pwd)
port=${AIRFLOW_PORT:-8080}
pg_port=${PG_PORT:-5433}
redis_port=${REDIS_PORT:-6380}
log_ports=("${WORKER1_LOG_PORT:-8793}" "${WORKER2_LOG_PORT:-8794}")
concurrency=${WORKER_CONCURRENCY:-1}
workers=(worker1 worker2)
run_dir=$home/run
logs=$home/logs
secrets=$home/secrets.env

export AIRFLOW_HOME=$home/airflow
export AIRFLOW__CORE__DAGS_FOLDER=$project/dags
# The scheduler's listener (plugins/briefing_pool.py) creates the model pool if it is missing when a run starts.
export AIRFLOW__CORE__PLUGINS_FOLDER=$project/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
export AIRFLOW__CORE__PARALLELISM=${AIRFLOW__CORE__PARALLELISM:-4}
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$port/execution/
# Two workers on one host would report the same hostname; each names itself (BRIEFING_WORKER_HOSTNAME).
export AIRFLOW__CORE__HOSTNAME_CALLABLE=tasks.cluster.worker_hostname
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT=$port
export AIRFLOW__API__BASE_URL=http://127.0.0.1:$port
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-10}
# A worker lost with its task is noticed after this many seconds without a heartbeat (Airflow's default: 300).
export AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=${AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT:-60}
export AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL=${AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL:-5}
export AIRFLOW__CELERY__BROKER_URL=redis://127.0.0.1:$redis_port/0
export AIRFLOW__CELERY__WORKER_CONCURRENCY=$concurrency
# One task fetched at a time, so a lost worker takes only the task it was running with it.
export AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER=1
export PYTHONPATH=$project${PYTHONPATH:+:$PYTHONPATH}
export TOKENIZERS_PARALLELISM=false

die() { echo "airflow-celery: $*" >&2; exit 1; }

pg_bin() {
  local bin=${PG_BIN:-}
  if [ -z "$bin" ]; then
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [ -n "$bin" ] && [ -x "$bin/postgres" ] && echo "$bin"
}

install_system_packages() {
  local missing=()
  pg_bin >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "could not install ${missing[*]} with apt-get"
  else
    die "${missing[*]} not installed: install the Debian packages (apt-get install ${missing[*]}) or run as root"
  fi
}

install_python_extras() {
  "$py" -c 'import airflow.providers.celery, celery, redis, psycopg2, asyncpg' 2>/dev/null && return 0
  echo "Installing the cluster's Python packages (requirements-cluster.txt)"
  "$py" -m pip install --quiet -r requirements-cluster.txt -c constraints.txt
}

port_free() {
  "$py" - "$1" <<'EOF'
import socket, sys
with socket.socket() as sock:
    # As the servers do: a port left in TIME_WAIT by a stopped server is free, a listening one is not.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
EOF
}

check_ports() {
  local name value
  for name in AIRFLOW_PORT:$port PG_PORT:$pg_port REDIS_PORT:$redis_port \
    WORKER1_LOG_PORT:${log_ports[0]} WORKER2_LOG_PORT:${log_ports[1]}; do
    value=${name#*:}
    port_free "$value" || die "port $value (${name%%:*}) is already in use on 127.0.0.1: stop what uses it or set ${name%%:*}"
  done
}

# Secrets shared by every component (the workers need the API server's JWT secret), generated once.
make_secrets() {
  [ -s "$secrets" ] && return 0
  (
    umask 077
    "$py" - >"$secrets" <<'EOF'
import secrets
from cryptography.fernet import Fernet
print(f"AIRFLOW__API_AUTH__JWT_SECRET={secrets.token_urlsafe(32)}")
print(f"AIRFLOW__API__SECRET_KEY={secrets.token_urlsafe(32)}")
print(f"AIRFLOW__CORE__FERNET_KEY={Fernet.generate_key().decode()}")
print(f"BRIEFING_PG_PASSWORD={secrets.token_urlsafe(18)}")
print(f"BRIEFING_ADMIN_PASSWORD={secrets.token_urlsafe(12)}")
EOF
  )
}

load_secrets() {
  set -a
  # shellcheck disable=SC1090
  . "$secrets"
  set +a
  local db=airflow:$BRIEFING_PG_PASSWORD@127.0.0.1:$pg_port/airflow
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://$db
  # With SQLAlchemy 2.1 a bare db+postgresql:// means psycopg 3, which is not installed: name the driver.
  export AIRFLOW__CELERY__RESULT_BACKEND=db+postgresql+psycopg2://$db
}

# PostgreSQL refuses to run as root: as root it runs as the `postgres` user of the Debian package.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin data=$home/pgdata
  bin=$(pg_bin) || die "PostgreSQL binaries not found (set PG_BIN)"
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    chmod 700 "$data"
    local pwfile=$home/.pgpass-init
    (umask 077 && printf '%s\n' "$BRIEFING_PG_PASSWORD" >"$pwfile")
    if [ "$(id -u)" = 0 ]; then
      chown postgres: "$data" "$pwfile"
      as_pg test -w "$data" || die "the postgres user cannot reach $data: set BRIEFING_CLUSTER_HOME to a folder it can traverse"
    fi
    as_pg "$bin/initdb" -D "$data" -U airflow --pwfile="$pwfile" --auth-local=scram-sha-256 \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$logs/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; cat "$logs/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  touch "$logs/postgres.log"
  [ "$(id -u)" = 0 ] && chown postgres: "$logs/postgres.log"
  as_pg "$bin/pg_ctl" -D "$data" -l "$logs/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=''" start >/dev/null \
    || { tail -n 20 "$logs/postgres.log" >&2; die "PostgreSQL did not start"; }
  head -n 1 "$data/postmaster.pid" >"$run_dir/postgres.pid"
  PGPASSWORD=$BRIEFING_PG_PASSWORD "$py" - "$pg_port" <<'EOF' || die "could not create the airflow database"
import os, sys
import psycopg2
conn = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="airflow", dbname="postgres",
                        password=os.environ["PGPASSWORD"])
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = 'airflow'")
    if cur.fetchone() is None:
        cur.execute("CREATE DATABASE airflow")
EOF
}

start_redis() {
  mkdir -p "$home/redis"
  setsid nohup redis-server --bind 127.0.0.1 --port "$redis_port" --protected-mode yes --save '' \
    --appendonly no --dir "$home/redis" >"$logs/redis.log" 2>&1 &
  echo $! >"$run_dir/redis.pid"
  for _ in $(seq 1 50); do
    port_free "$redis_port" || return 0
    sleep 0.2
  done
  tail -n 20 "$logs/redis.log" >&2
  die "Redis did not start"
}

launch() { # name, then the command; its own process group, so stop can end the whole tree
  local name=$1
  shift
  setsid nohup "$@" >"$logs/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
}

start() {
  mkdir -p "$run_dir" "$logs" "$AIRFLOW_HOME"
  if running postgres || running redis || running api-server; then
    echo "the cluster is already running (scripts/airflow-celery.sh status; stop it with make airflow-stop)"
    return 0
  fi
  install_system_packages
  install_python_extras
  check_ports
  make_secrets
  load_secrets
  start_postgres
  start_redis
  "$venv/bin/airflow" db migrate >"$logs/migrate.log" 2>&1 || { tail -n 30 "$logs/migrate.log" >&2; stop; die "airflow db migrate failed"; }
  # The pool is cluster-wide (models.pool_slots across all workers). Made here so the UI shows it from the
  # start; the scheduler's plugin would make it at the first run otherwise. An existing pool keeps its size.
  "$venv/bin/airflow" pools get briefing_models >/dev/null 2>&1 || "$venv/bin/airflow" pools set briefing_models \
    "$("$py" -c 'from tasks.config import load_config; import os; print(load_config(os.environ.get("BRIEFING_CONFIG") or None).models.pool_slots)')" \
    "Tasks that load translation or summary models" >/dev/null
  printf '{"admin": "%s"}\n' "$BRIEFING_ADMIN_PASSWORD" >"$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
  chmod 600 "$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
  launch api-server "$venv/bin/airflow" api-server
  launch scheduler "$venv/bin/airflow" scheduler
  launch dag-processor "$venv/bin/airflow" dag-processor
  local i
  for i in 0 1; do
    # The worker's own log server would listen on every interface; each worker gets one on 127.0.0.1 instead.
    BRIEFING_WORKER_HOSTNAME=${workers[$i]} AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=${log_ports[$i]} \
      launch "${workers[$i]}" "$venv/bin/airflow" celery worker --celery-hostname "${workers[$i]}@%h" \
      --concurrency "$concurrency" --skip-serve-logs
    launch "${workers[$i]}-logs" "$py" -m uvicorn --factory airflow.utils.serve_logs.log_server:get_app \
      --host 127.0.0.1 --port "${log_ports[$i]}" --no-access-log
  done
  for _ in $(seq 1 180); do
    if "$py" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/api/v2/monitor/health', timeout=2)" 2>/dev/null; then
      echo "Airflow UI: http://127.0.0.1:$port  (login: admin / $BRIEFING_ADMIN_PASSWORD)"
      echo "CeleryExecutor with ${workers[*]}; PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port; logs in $logs"
      return 0
    fi
    sleep 1
  done
  echo "Airflow did not come up; see $logs/" >&2
  stop
  return 1
}

running() {
  [ -e "$run_dir/$1.pid" ] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null
}

stop_one() { # pidfile: TERM the process group, then KILL what is left
  local pidfile=$1 pid
  pid=$(cat "$pidfile")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

stop() {
  local name
  for name in "${workers[@]}" "${workers[@]/%/-logs}" scheduler dag-processor api-server redis; do
    [ -e "$run_dir/$name.pid" ] && stop_one "$run_dir/$name.pid"
  done
  if [ -e "$run_dir/postgres.pid" ]; then
    # SIGINT is PostgreSQL's fast shutdown: sessions are ended and the data stays consistent.
    local pid
    pid=$(cat "$run_dir/postgres.pid")
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$run_dir/postgres.pid"
  fi
  echo "Airflow cluster stopped"
}

status() {
  local up=1 name
  for name in postgres redis api-server scheduler dag-processor "${workers[@]}"; do
    if running "$name"; then
      echo "$name: running (pid $(cat "$run_dir/$name.pid"))"
      up=0
    else
      echo "$name: stopped"
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
