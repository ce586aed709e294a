#!/usr/bin/env bash
# Runs a real MIT Kerberos KDC (Debian's krb5-kdc) as a plain process on loopback, for the
# Kerberos (SASL/GSSAPI) tests. Nothing system-wide is read or changed: the KDC and every client
# tool get their files through KRB5_KDC_PROFILE / KRB5_CONFIG pointing into <dir>.
#
#   scripts/kdc.sh start <dir> [port]   # KDC on 127.0.0.1:<port> (UDP and TCP; default: a free
#                                       # port), realm SLUICE.TEST; idempotent
#   scripts/kdc.sh stop <dir>
#
# start creates, once per <dir>: the database (a random master key in a stash file), and
#   kafka/127.0.0.1@SLUICE.TEST  the broker's service principal  -> <dir>/kafka.keytab
#   sluice@SLUICE.TEST           a client with a keytab          -> <dir>/sluice.keytab
#   alice@SLUICE.TEST            a client with a password        -> <dir>/alice.password (0600)
#   stale@SLUICE.TEST            a keytab whose key was changed after export -> <dir>/stale.keytab
# Passwords go to kadmin.local on stdin, never on a command line. <dir>/kdc.env lists
# KRB5_CONFIG, the realm, the KDC address and the files as KEY=VALUE lines; krb5.conf there
# points clients at this KDC only (no DNS lookups, no reverse DNS).
set -euo pipefail

usage="usage: kdc.sh start <dir> [port] | kdc.sh stop <dir>"
cmd=${1:?$usage}
dir=$(realpath -m "${2:?$usage}")
realm=SLUICE.TEST
pidfile="$dir/krb5kdc.pid"
log() { echo "[kdc.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid=$(cat "$pidfile")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q krb5kdc
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

write_config() {
  cat >"$dir/krb5.conf" <<CONF
# Written by scripts/kdc.sh for the test realm only.
[libdefaults]
  default_realm = $realm
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  ignore_acceptor_hostname = true
  udp_preference_limit = 1
  ticket_lifetime = 1h
  renew_lifetime = 2h
  forwardable = true
  default_ccache_name = FILE:$dir/ccache/krb5cc_%{uid}
[realms]
  $realm = {
    kdc = 127.0.0.1:$port
    admin_server = 127.0.0.1:$port
  }
[domain_realm]
  127.0.0.1 = $realm
  localhost = $realm
CONF
  cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
  kdc_listen = 127.0.0.1:$port
  kdc_tcp_listen = 127.0.0.1:$port
[realms]
  $realm = {
    database_name = $dir/db/principal
    key_stash_file = $dir/db/stash
    acl_file = $dir/kadm5.acl
    max_life = 1h
    max_renewable_life = 2h
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = FILE:$dir/kdc.log
  default = FILE:$dir/kdc.log
CONF
  : >"$dir/kadm5.acl"
}

kadmin() { KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf" kadmin.local -r "$realm" >>"$dir/kadmin.log" 2>&1; }

create_db() {
  [[ -f "$dir/db/.complete" ]] && return 0
  rm -rf "$dir/db" && mkdir -p "$dir/db"
  local master
  master=$(head -c24 /dev/urandom | base64 | tr -d '/+=')
  # The master key of a throwaway test database; stashed in db/stash for the KDC.
  printf '%s\n%s\n' "$master" "$master" |
    KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf" \
      kdb5_util create -s -r "$realm" >"$dir/kdb5_util.log" 2>&1 ||
    { cat "$dir/kdb5_util.log" >&2; die "kdb5_util create failed"; }
  local alice stale
  alice=$(head -c18 /dev/urandom | base64 | tr -d '/+=')
  (umask 077 && printf '%s\n' "$alice" >"$dir/alice.password")
  rm -f "$dir"/*.keytab
  printf '%s\n' \
    "addprinc -randkey kafka/127.0.0.1@$realm" \
    "ktadd -k $dir/kafka.keytab kafka/127.0.0.1@$realm" \
    "addprinc -randkey sluice@$realm" \
    "ktadd -k $dir/sluice.keytab sluice@$realm" \
    "addprinc -pw $alice alice@$realm" \
    "addprinc -randkey stale@$realm" \
    "ktadd -k $dir/stale.keytab stale@$realm" \
    "cpw -randkey stale@$realm" | kadmin ||
    { cat "$dir/kadmin.log" >&2; die "creating the principals failed"; }
  for k in kafka sluice stale; do
    [[ -s "$dir/$k.keytab" ]] || { cat "$dir/kadmin.log" >&2; die "no $k.keytab was written"; }
  done
  chmod 600 "$dir"/*.keytab
  touch "$dir/db/.complete"
}

start() {
  mkdir -p "$dir/ccache"
  if running; then
    port=$(sed -n 's/^SLUICE_KDC_PORT=//p' "$dir/kdc.env")
    echo "kdc already running on 127.0.0.1:$port (pid $(cat "$pidfile"), dir $dir)"
    return 0
  fi
  for t in krb5kdc kdb5_util kadmin.local kinit; do
    command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]] ||
      die "$t not found (scripts/install-deps.sh installs krb5-kdc, krb5-admin-server, krb5-user)"
  done
  export PATH="$PATH:/usr/sbin"
  port=${port:-$(free_port)}
  port_open "$port" && die "127.0.0.1:$port is in use; pick another port"
  write_config
  create_db
  KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf" \
    nohup krb5kdc -n -r "$realm" -P "$pidfile" >"$dir/krb5kdc.out" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  local deadline=$((SECONDS + 30))
  until port_open "$port"; do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/krb5kdc.out" "$dir/kdc.log" >&2 2>/dev/null; die "krb5kdc exited"; }
    ((SECONDS < deadline)) || { kill "$pid"; die "krb5kdc did not listen on 127.0.0.1:$port within 30 s"; }
    sleep 0.1
  done
  echo "$pid" >"$pidfile"  # krb5kdc -P may rewrite it; keep the process we started
  cat >"$dir/kdc.env" <<ENV
SLUICE_KDC_PORT=$port
SLUICE_KDC_REALM=$realm
SLUICE_KRB5_CONFIG=$dir/krb5.conf
SLUICE_KDC_SERVICE_PRINCIPAL=kafka/127.0.0.1@$realm
SLUICE_KDC_SERVICE_KEYTAB=$dir/kafka.keytab
SLUICE_KDC_CLIENT_PRINCIPAL=sluice@$realm
SLUICE_KDC_CLIENT_KEYTAB=$dir/sluice.keytab
SLUICE_KDC_PASSWORD_PRINCIPAL=alice@$realm
SLUICE_KDC_PASSWORD_FILE=$dir/alice.password
SLUICE_KDC_STALE_PRINCIPAL=stale@$realm
SLUICE_KDC_STALE_KEYTAB=$dir/stale.keytab
ENV
  echo "kdc ready on 127.0.0.1:$port (realm $realm, pid $pid, dir $dir)"
}

stop() {
  if ! running; then
    rm -f "$pidfile"
    echo "kdc not running (dir $dir)"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "kdc stopped (pid $pid, dir $dir)"
}

case "$cmd" in
start) port=${3:-}; start ;;
stop) stop ;;
*) echo "$usage" >&2; exit 2 ;;
esac
