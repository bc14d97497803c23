#!/usr/bin/env bash
# Lint, type-check and test sordino: the command the README gives and CI runs.
#
#   scripts/test.sh              lint + types + tests on SQLite and on PostgreSQL
#   scripts/test.sh --sqlite     skip the PostgreSQL run
#   scripts/test.sh -- ARGS      extra arguments for every pytest run
#
# The virtualenv (.venv, or $SORDINO_VENV) is created and installed when missing
# or when pyproject.toml changed. PostgreSQL: when SORDINO_TEST_DATABASE_URL is
# set that server is used; otherwise Debian's postgresql package is installed
# when missing (as root, or with sudo) and a throw-away cluster is started on
# 127.0.0.1 at a free port, then stopped on exit.
# Every step runs even when an earlier one fails; the exit status is non-zero
# when any step failed. The sample data is read from ../shared beside the
# checkout, or from $SORDINO_TEST_SHARED_DIR.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${SORDINO_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
use_postgres=1
pytest_args=()
while (($#)); do
    case "$1" in
        --sqlite) use_postgres=0 ;;
        --) shift; pytest_args=("$@"); break ;;
        -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# --- system packages ---------------------------------------------------------
as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

apt_updated=0
apt_install() {
    if ((!apt_updated)); then
        as_root apt-get update -qq || return 1
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"
}

ensure_python_venv() {
    "$python" -c 'import ensurepip, venv' 2>/dev/null && return 0
    say "installing python3-venv"
    apt_install python3-venv python3-pip
}

ensure_postgres_installed() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return 0
    say "installing PostgreSQL from Debian"
    apt_install postgresql || return 1
    # The package may start its default cluster; the tests use their own one.
    if command -v pg_lsclusters >/dev/null; then
        pg_lsclusters --no-header 2>/dev/null | while read -r version name _; do
            as_root pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
        done
    fi
}

# WeasyPrint (PDF reports) loads Pango and HarfBuzz's subsetting library at run
# time; Debian's python image has Pango but not libharfbuzz-subset0.
ensure_pdf_libraries() {
    ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' &&
        ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' && return 0
    say "installing the libraries WeasyPrint needs (Pango, HarfBuzz subset)"
    apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
}

# --- virtualenv ---------------------------------------------------------------
ensure_venv() {
    local stamp="$venv/.sordino-installed" want
    # Only the project's metadata and dependencies decide a reinstall; tool
    # settings (ruff, mypy, pytest) do not.
    want="$(sed '/^\[tool\.ruff/,$d' pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [[ ! -x "$venv/bin/python" ]]; then
        ensure_python_venv || return 1
        say "creating virtualenv $venv"
        "$python" -m venv "$venv" || return 1
    fi
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        say "installing sordino with its engines and dev tools"
        "$venv/bin/python" -m pip install -q --upgrade pip &&
            "$venv/bin/python" -m pip install -q -e '.[engines,dev]' || return 1
        echo "$want" >"$stamp"
    fi
}

# --- a throw-away PostgreSQL cluster -----------------------------------------
pg_dir=""
pg_bin=""
pg_user=""

find_pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    if [[ -z "$dir" ]] && command -v pg_ctl >/dev/null; then
        dir="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    fi
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && pg_bin="$dir"
}

as_pg() {
    if [[ -n "$pg_user" ]]; then
        runuser -u "$pg_user" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
    ensure_postgres_installed || return 1
    find_pg_bin || {
        echo "PostgreSQL binaries not found (install the 'postgresql' package)" >&2
        return 1
    }
    # initdb refuses to run as root; the cluster then belongs to 'postgres'.
    [[ "$(id -u)" == 0 ]] && pg_user=postgres
    pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/sordino-pg.XXXXXX")"
    [[ -n "$pg_user" ]] && chown "$pg_user" "$pg_dir"
    local port password
    port="$(free_port)"
    password="$(openssl rand -hex 16 2>/dev/null || "$python" -c 'import secrets; print(secrets.token_hex(16))')"
    say "starting PostgreSQL ($pg_bin) on 127.0.0.1:$port"
    as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -E UTF8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$pg_dir/initdb.log" 2>&1 || {
        cat "$pg_dir/initdb.log" >&2
        return 1
    }
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || {
        cat "$pg_dir/server.log" >&2
        return 1
    }
    as_pg "$pg_bin/psql" -q -h "$pg_dir" -p "$port" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE sordino LOGIN CREATEDB PASSWORD '$password'" || return 1
    export SORDINO_TEST_DATABASE_URL="postgresql+psycopg://sordino:$password@127.0.0.1:$port/postgres"
}

stop_postgres() {
    if [[ -n "$pg_dir" && -d "$pg_dir/data" ]]; then
        as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1
    fi
    [[ -n "$pg_dir" ]] && rm -rf "$pg_dir"
    pg_dir=""
}
trap stop_postgres EXIT
trap 'exit 130' INT TERM

# --- the steps ---------------------------------------------------------------
names=()
results=()

record() {
    names+=("$1")
    results+=("$2")
}

step() {
    local name="$1"
    shift
    say "$name"
    local started=$SECONDS
    "$@"
    local status=$?
    local took=$((SECONDS - started))
    if ((status == 0)); then
        record "$name" "ok (${took}s)"
    else
        record "$name" "FAILED, exit $status (${took}s)"
    fi
    return "$status"
}

run_pytest() (
    # A subshell: settings from the caller's environment must not leak into the
    # tests, and the SQLite run must not see the PostgreSQL URL.
    local var
    for var in $(compgen -e | grep '^SORDINO_' | grep -v '^SORDINO_TEST_'); do
        unset "$var"
    done
    [[ "$1" == sqlite ]] && unset SORDINO_TEST_DATABASE_URL
    "$venv/bin/python" -m pytest tests "${pytest_args[@]}"
    local status=$?
    if ((status == 5)); then
        # pytest's "no tests collected": the suite is never meant to be empty.
        echo "pytest collected no tests: treated as a failure" >&2
    fi
    return "$status"
)

shared="${SORDINO_TEST_SHARED_DIR:-$root/../shared}"
if [[ ! -d "$shared/data" ]]; then
    echo "warning: $shared/data is missing; tests that read the shared sample" \
        "data will fail. Clone the repository next to 'shared/', or set" \
        "SORDINO_TEST_SHARED_DIR to the folder that holds data/ and reference/." >&2
fi

failed=0
if ! step "install" ensure_venv; then
    echo "cannot continue without the virtualenv" >&2
    failed=1
else
    export PATH="$venv/bin:$PATH"
    step "PDF libraries" ensure_pdf_libraries || failed=1
    step "ruff check" ruff check . || failed=1
    step "ruff format --check" ruff format --check . || failed=1
    step "mypy --strict src" mypy --strict src || failed=1
    step "pytest on SQLite" run_pytest sqlite || failed=1
    if ((use_postgres)); then
        if [[ -n "${SORDINO_TEST_DATABASE_URL:-}" ]] || step "start PostgreSQL" start_postgres; then
            step "pytest on PostgreSQL" run_pytest postgresql || failed=1
        else
            failed=1
        fi
        stop_postgres
    fi
fi

say "summary"
for i in "${!names[@]}"; do
    printf '  %-24s %s\n' "${names[$i]}" "${results[$i]}"
done
if ((failed)); then
    printf '\nFAILED\n'
    exit 1
fi
printf '\nall checks passed\n'
