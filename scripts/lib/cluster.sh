# shellcheck shell=bash
# A whole Photon cluster on one machine, for scripts/demo and tests/e2e/cluster_story.
# Source it after setting:
#   CL_PREFIX  name prefix of every namespace and container (photon-demo, photon-e2e-<pid>)
#   CL_DIR     directory for state, logs, the cache and the pid files
#   CL_BUILD   absolute build dir (photon-coordinator, photonctl, photon-agent)
#   CL_REPO    absolute source dir
#
# The world: a "fabric" network namespace (the rack's switch and router: a bridge, BIRD as the
# upstream BGP router, the coordinator, an nginx serving the Nix binary cache) and three nodes,
# each a systemd-nspawn container booting systemd in its own network namespace wired to the
# fabric's bridge by a veth. Inside each node systemd runs photon-agent (bootstrap, then run),
# and the agent runs BIRD. Every address lives inside these namespaces; the host's interfaces
# and routes are never touched. Every process started is recorded in CL_DIR/pids and stopped by
# PID in cl_teardown.

CL_FABRIC=$CL_PREFIX-fabric
CL_NODES=(1 2 3)
# Served over HTTPS with a certificate from the cluster's own CA (made in cl_prepare_dir); the
# agents and photonctl check it with CL_CA.
CL_URL=https://10.99.0.1:7480
CL_CA=$CL_DIR/pki/ca.pem
CL_CACHE_URL=http://10.99.0.1:8080
CL_ROOTFS=$CL_BUILD/nspawn-rootfs-node
CL_VIP=10.99.2.10
# Each agent's Prometheus endpoint, on its node's loopback (as the NixOS module has it).
CL_AGENT_METRICS_PORT=9478
# Packages of the nodes' rootfs: BIRD, Nix, busybox (the demo service), iproute2 (to look
# around), libdbi-perl (nix-bin needs its virtual perl-dbdabi-94, which debootstrap does not
# resolve), and the libraries photon-agent links against (it runs from the bind-mounted build).
CL_ROOTFS_PACKAGES=(bird2 nix-bin libdbi-perl busybox iproute2 libcpp-httplib0.11 libnl-3-200
  libnl-route-3-200 libboost-program-options1.74.0 libsqlite3-0 libfreeipmi17)
export NIX_CONFIG=$'build-users-group =\nsandbox = false\nsubstituters ='

cl_log() { printf '%s\n' "$*" >&2; }
# A command that fails outside a check says where (errtrace: also inside functions).
set -E
# Only the top level speaks: a command substitution inside a check may fail on purpose.
trap '[ "$BASH_SUBSHELL" != 0 ] || cl_log "FAILED: ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND (exit $?)"' ERR
cl_die() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# cl_wait SECONDS WHAT CMD... — runs CMD every 0.5 s until it succeeds; dies naming WHAT after
# SECONDS.
cl_wait() {
  local limit=$1 what=$2 end
  shift 2
  end=$((SECONDS + limit))
  while ! "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$end" ]; then
      cl_die "timed out after ${limit}s waiting for: $what"
    fi
    sleep 0.5
  done
}

cl_record_pid() { echo "$2" > "$CL_DIR/pids/$1"; }

cl_ctl() {
  ip netns exec "$CL_FABRIC" "$CL_BUILD/coordinator/photonctl" --coordinator "$CL_URL" \
    --ca-file "$CL_CA" --token-file "$CL_DIR/admin.token" "$@"
}

# cl_api METHOD PATH [BODY] — the coordinator's REST API with the admin token; prints the body,
# fails on a non-2xx answer (printing it to stderr).
cl_api() {
  local method=$1 path=$2 body=${3:-} out code
  out=$(mktemp)
  code=$(ip netns exec "$CL_FABRIC" curl -s --cacert "$CL_CA" -o "$out" -w '%{http_code}' -X "$method" \
    -H "Authorization: Bearer $(cat "$CL_DIR/admin.token")" -H 'Content-Type: application/json' \
    ${body:+--data-binary "$body"} --max-time 30 "$CL_URL$path") || code=000
  if [ "${code:0:1}" != 2 ]; then
    cl_log "$method $path -> $code $(cat "$out")"
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

cl_birdc() { ip netns exec "$CL_FABRIC" birdc -s "$CL_DIR/fabric/bird.ctl" "$@"; }

# ---- teardown --------------------------------------------------------------------------------

# Stops the containers whose pid files are given, all at once: SIGTERM (nspawn powers the
# container's systemd off), up to 10 s, then SIGKILL; a SIGKILLed nspawn leaves its init
# orphaned, and killing a PID namespace's init kills everything in it.
cl_stop_containers() {
  local f pid init status
  declare -A inits=()
  for f in "$@"; do
    pid=$(cat "$f")
    inits[$pid]=$(awk '{print $1}' "/proc/$pid/task/$pid/children" 2>/dev/null)
    kill -TERM "$pid" 2>/dev/null && echo "stopping $(basename "$f") (pid $pid)"
  done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${!inits[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${!inits[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    init=${inits[$pid]}
    if [ -n "$init" ] && status=$(cat "/proc/$init/status" 2>/dev/null) &&
      grep -q "^NSpid:[[:space:]]*$init[[:space:]]*1$" <<<"$status"; then
      kill -KILL "$init" 2>/dev/null || true
    fi
  done
  rm -f "$@"
}

# A recorded PID is signalled only while it is still one of ours: its command line names this
# world's directory or containers (after a reboot or a SIGKILLed run the number may be another
# process's by now).
cl_pid_ours() {
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$CL_DIR"* || $cmdline == *"-M $CL_PREFIX-node"* ]]
}

cl_teardown() {
  local f
  if [ -d "$CL_DIR/pids" ]; then
    for f in "$CL_DIR"/pids/*; do
      [ -f "$f" ] || continue
      cl_pid_ours "$(cat "$f")" || rm -f "$f"
    done
    local containers=("$CL_DIR"/pids/container-*)
    [ -f "${containers[0]}" ] && cl_stop_containers "${containers[@]}"
    for f in "$CL_DIR"/pids/*; do
      [ -f "$f" ] || continue
      kill -TERM "$(cat "$f")" 2>/dev/null && echo "stopped $(basename "$f") (pid $(cat "$f"))"
    done
    for f in "$CL_DIR"/pids/*; do
      [ -f "$f" ] || continue
      for _ in $(seq 30); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$(cat "$f")" 2>/dev/null || true
      rm -f "$f"
    done
  fi
  for n in "${CL_NODES[@]}"; do
    ip netns del "$CL_PREFIX-node$n" 2>/dev/null || true
    cl_remove_own_cgroup "$CL_PREFIX-node$n"
  done
  ip netns del "$CL_FABRIC" 2>/dev/null || true
  # nspawn leaves these behind on a host without systemd; rmdir removes only empty ones.
  if ! pgrep -x systemd-nspawn >/dev/null; then
    for d in /sys/fs/cgroup/{unified,systemd}/{payload,supervisor}; do
      [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  fi
  rm -rf "$CL_DIR"
}

# Tears down the world of a run that died without its trap (SIGKILL, a ctest timeout).
cl_teardown_world() {
  (
    CL_PREFIX=$1 CL_DIR=$2 CL_FABRIC=$1-fabric
    cl_teardown
  )
}

# ---- bring-up --------------------------------------------------------------------------------

cl_prepare_dir() {
  mkdir -p "$CL_DIR"/{pids,logs,fabric,cache,state}
  echo "admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$CL_DIR/admin.token"
  echo "boot-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$CL_DIR/bootstrap.token"
  chmod 600 "$CL_DIR"/*.token
  cl_make_pki
}

# The cluster's CA and the coordinator's certificate for 10.99.0.1 (P-256, made by openssl):
# every call to the coordinator is HTTPS checked against CL_CA, as on a real network. The same
# CA signs each node's client certificate, which the agent asks for once its node is approved.
cl_make_pki() {
  local pki=$CL_DIR/pki log=$CL_DIR/logs/openssl.log
  mkdir -p "$pki"
  (
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
      -subj "/CN=$CL_PREFIX cluster CA" -keyout "$pki/ca.key" -out "$pki/ca.pem"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=photon-coordinator" -keyout "$pki/coordinator.key" -out "$pki/coordinator.csr"
    printf 'subjectAltName=IP:10.99.0.1\nextendedKeyUsage=serverAuth\n' > "$pki/coordinator.ext"
    openssl x509 -req -in "$pki/coordinator.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
      -CAcreateserial -days 30 -extfile "$pki/coordinator.ext" -out "$pki/coordinator.pem"
  ) >>"$log" 2>&1 || cl_die "openssl could not make the cluster's certificates (see $log)"
  chmod 644 "$pki/ca.pem"
}

# The nodes' rootfs, built once by tests/nspawn/make-rootfs and cached in the build dir. Its
# bird.service is masked: the agent starts BIRD with the config it renders.
cl_ensure_rootfs() {
  "$CL_REPO/tests/nspawn/make-rootfs" "$CL_ROOTFS" "${CL_ROOTFS_PACKAGES[@]}"
  ln -sfn /dev/null "$CL_ROOTFS/etc/systemd/system/bird.service"
}

cl_network() {
  ip netns add "$CL_FABRIC"
  ip -n "$CL_FABRIC" link set lo up
  ip -n "$CL_FABRIC" link add br0 type bridge
  ip -n "$CL_FABRIC" addr add 10.99.0.1/24 dev br0
  ip -n "$CL_FABRIC" link set br0 up
  for n in "${CL_NODES[@]}"; do
    local ns=$CL_PREFIX-node$n
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$CL_FABRIC" link add "node$n" type veth peer name eth0 netns "$ns"
    ip -n "$CL_FABRIC" link set "node$n" master br0 up
    ip -n "$ns" addr add "10.99.0.1$n/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
}

# The rack's router: BIRD in the fabric, AS 65000, configured from the cluster declaration by
# `photonctl bgp router-config` — what an operator would load on a real ToR: one session per
# node (photon_node1..3, node n is AS 6500n) with its password, BFD at 100 ms x 3 (the default
# for a peer on the same segment), hold 9 s, and an import filter accepting only the declared
# VIPs; what it learns goes to the fabric's kernel table (ECMP over the nodes announcing a VIP).
# Needs the declaration applied (cl_apply_cluster); the nodes may come later: each session
# connects once its node's BIRD answers. The config holds the passwords: 0600.
cl_fabric_bird() {
  local conf=$CL_DIR/fabric/bird.conf
  (umask 077 && cl_ctl bgp router-config > "$conf") ||
    cl_die "photonctl bgp router-config could not render the router's config"
  ip netns exec "$CL_FABRIC" bird -c "$conf" -s "$CL_DIR/fabric/bird.ctl" \
    -P "$CL_DIR/fabric/bird.pid" > "$CL_DIR/logs/fabric-bird.log" 2>&1 ||
    cl_die "the fabric's BIRD refused the config router-config rendered (see $CL_DIR/logs/fabric-bird.log)"
  cl_wait 10 "the fabric's BIRD to answer" cl_birdc show status
  cl_record_pid fabric-bird "$(cat "$CL_DIR/fabric/bird.pid")"
}

# The router's BGP protocol for node n, as router-config names it (photon_<declared name>).
cl_router_protocol() { echo "photon_node$1"; }

cl_coordinator() {
  ip netns exec "$CL_FABRIC" "$CL_BUILD/coordinator/photon-coordinator" --listen 10.99.0.1:7480 \
    --tls-cert "$CL_DIR/pki/coordinator.pem" --tls-key "$CL_DIR/pki/coordinator.key" \
    --node-ca-cert "$CL_CA" --node-ca-key "$CL_DIR/pki/ca.key" \
    --data-dir "$CL_DIR/data" --admin-token-file "$CL_DIR/admin.token" \
    --bootstrap-token-file "$CL_DIR/bootstrap.token" > "$CL_DIR/logs/coordinator.log" 2>&1 &
  cl_record_pid coordinator $!
  cl_wait 15 "the coordinator's /health" ip netns exec "$CL_FABRIC" curl -sf --cacert "$CL_CA" \
    "$CL_URL/health"
}

# System generations: built by real derivations in this machine's store, signed, copied to a
# file:// binary cache directory which nginx serves over HTTP inside the fabric.
cl_build_systems() {
  local out
  local log=$CL_DIR/logs/nix.log
  out=$(nix-build --no-out-link "$CL_REPO/scripts/lib/systems.nix" -A v1 -A v2 -A bad -A kernel2 \
    2>>"$log") || cl_die "nix-build of the demo systems (see $log)"
  mapfile -t CL_SYSTEMS <<<"$out"
  [ "${#CL_SYSTEMS[@]}" = 4 ] || cl_die "nix-build gave ${#CL_SYSTEMS[@]} paths: $out"
  CL_SYSTEM_V1=${CL_SYSTEMS[0]} CL_SYSTEM_V2=${CL_SYSTEMS[1]} CL_SYSTEM_BAD=${CL_SYSTEMS[2]}
  CL_SYSTEM_KERNEL2=${CL_SYSTEMS[3]}
  nix-store --generate-binary-cache-key "$CL_PREFIX-cache" "$CL_DIR/cache.sk" "$CL_DIR/cache.pk"
  nix --extra-experimental-features nix-command store sign --key-file "$CL_DIR/cache.sk" \
    "${CL_SYSTEMS[@]}" >>"$log" 2>&1 || cl_die "signing the demo systems (see $log)"
  nix --extra-experimental-features nix-command copy --to "file://$CL_DIR/cache" \
    "${CL_SYSTEMS[@]}" >>"$log" 2>&1 || cl_die "copying the demo systems to the cache (see $log)"
  CL_CACHE_KEY=$(cat "$CL_DIR/cache.pk")
  cat > "$CL_DIR/fabric/nginx.conf" <<NGINX
daemon off;
user root;
worker_processes 1;
pid $CL_DIR/fabric/nginx.pid;
error_log $CL_DIR/logs/cache-nginx.log;
events { worker_connections 64; }
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path $CL_DIR/fabric/nginx-body;
  proxy_temp_path $CL_DIR/fabric/nginx-proxy;
  fastcgi_temp_path $CL_DIR/fabric/nginx-fastcgi;
  uwsgi_temp_path $CL_DIR/fabric/nginx-uwsgi;
  scgi_temp_path $CL_DIR/fabric/nginx-scgi;
  server { listen 10.99.0.1:8080; root $CL_DIR/cache; }
}
NGINX
  ip netns exec "$CL_FABRIC" nginx -c "$CL_DIR/fabric/nginx.conf" -e "$CL_DIR/logs/cache-nginx.log" \
    > "$CL_DIR/logs/cache-nginx.out" 2>&1 &
  cl_record_pid cache-nginx $!
  cl_wait 10 "the binary cache's nix-cache-info" \
    ip netns exec "$CL_FABRIC" curl -sf "$CL_CACHE_URL/nix-cache-info"
}

# The declaration: a pool, two enrollment rules, and the BGP config placement gives each node
# (keyed by its photon.io/node label) with the VIP of service web. Each node's session with the
# router has a TCP MD5 password of its own (the file is 0600); BFD and the hold time are left
# to their defaults (BFD on at 100 ms x 3: the router is on the nodes' segment). A node missing
# for TTL 15 s + a grace of 5 s has its instances re-placed (the default grace is 60 s: short
# here so that the story's "a node dies" stays short).
cl_apply_cluster() {
  local n pw neighbors=()
  for n in "${CL_NODES[@]}"; do
    pw=pw-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')
    neighbors[n]='{"address": "10.99.0.1", "asn": 65000, "name": "fabric", "password": "'$pw'"}'
  done
  (umask 077 && cat > "$CL_DIR/cluster.json") <<JSON
{"name": "demo",
 "classes": [{"name": "compute", "labels": {"tier": "gold"}}, {"name": "storage"}],
 "pools": [{"name": "web", "cidr": "10.99.1.0/24", "range_start": "10.99.1.10",
            "range_end": "10.99.1.50", "gateway": "10.99.1.1", "hostname_pattern": "web-{index}",
            "disk_layout": "single-ssd", "profile": "$CL_SYSTEM_V1"}],
 "rules": [
   {"name": "big-compute", "priority": 10, "match": {"min_cores": 8}, "class": "compute",
    "pool": "web", "auto_install": true},
   {"name": "many-disks", "priority": 20, "match": {"min_disks": 2}, "class": "storage",
    "pool": "web", "labels": {"role": "storage"}}],
 "settings": {"node_ttl_s": 15},
 "placement": {"failover_grace_s": 5},
 "bgp": {"nodes": {
   "node1": {"asn": 65001, "router_id": "10.99.0.11", "neighbors": [${neighbors[1]}]},
   "node2": {"asn": 65002, "router_id": "10.99.0.12", "neighbors": [${neighbors[2]}]},
   "node3": {"asn": 65003, "router_id": "10.99.0.13", "neighbors": [${neighbors[3]}]}}},
 "vips": [{"name": "web", "address": "$CL_VIP/32", "service": "web"}]}
JSON
  cl_ctl cluster apply "$CL_DIR/cluster.json"
}

# Each node's hardware: a facts tree (CPU, memory, disks, DMI, machine-id) as the agent reads
# under /, so three containers on one machine look like three machines.
cl_make_facts() {
  local n=$1 cores=$2 disks=$3 root=$CL_DIR/facts/node$1 c d disk
  mkdir -p "$root/etc" "$root/proc/sys/kernel" "$root/sys/class/dmi/id"
  printf '%032x\n' "$((0xdead0000 + n))" > "$root/etc/machine-id"
  : > "$root/proc/cpuinfo"
  for ((c = 0; c < cores; c++)); do
    printf 'processor\t: %d\nmodel name\t: Demo CPU @ 3.0GHz\ncore id\t\t: %d\ncpu cores\t: %d\nflags\t\t: fpu vmx sse2\n\n' \
      "$c" "$c" "$cores" >> "$root/proc/cpuinfo"
  done
  printf 'MemTotal:       %d kB\n' "$((32 * 1024 * 1024))" > "$root/proc/meminfo"
  echo "boot-node$n" > "$root/proc/sys/kernel/hostname"
  for ((d = 0; d < disks; d++)); do
    disk=$root/sys/block/vd$(printf "\\x$(printf %x $((97 + d)))")
    mkdir -p "$disk/queue"
    echo 209715200 > "$disk/size"
    echo 0 > "$disk/queue/rotational"
    echo "DISK-$n-$d" > "$disk/serial"
  done
  echo "Demo Systems" > "$root/sys/class/dmi/id/sys_vendor"
  echo "DS-100" > "$root/sys/class/dmi/id/product_name"
  echo "SN-000$n" > "$root/sys/class/dmi/id/product_serial"
}

# The cgroup hierarchies a container's systemd gets a tree in: on this host (no systemd as PID
# 1) the named "systemd" v1 one and the unified one, or /sys/fs/cgroup itself on a v2-only host.
cl_cgroup_roots() {
  if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    echo /sys/fs/cgroup
    return
  fi
  local root
  for root in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
    [ -d "$root" ] && echo "$root"
  done
  return 0
}

# Moves this (sub)shell into a cgroup of its own, NAME, in each hierarchy. nspawn --keep-unit
# builds the container's tree (payload/, supervisor/) under the cgroup it starts in: containers
# started from one shell would share one tree, and their systemds race on units of the same
# name (every boot's oneshots, photon-bootstrap): one removes the unit's cgroup as another
# attaches to it, that unit fails with status 219/CGROUP and the node reports "degraded" (it
# was node3, booted last). A host whose PID 1 is systemd places containers itself: left alone.
cl_enter_own_cgroup() {
  local name=$1 root
  [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && return 0
  for root in $(cl_cgroup_roots); do
    mkdir -p "$root/$name"
    echo "$BASHPID" > "$root/$name/cgroup.procs"
  done
}

# Removes the (empty, once its container is gone) cgroup tree of NAME, children first.
cl_remove_own_cgroup() {
  local root
  for root in $(cl_cgroup_roots); do
    [ -d "$root/$1" ] && find "$root/$1" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

# Extra systemd-nspawn arguments for node n, one per line; a story that needs more (a /nix that
# survives the node's reboot) redefines it.
cl_node_extra_args() { :; }

# Boots node n: systemd in a container on the node's network namespace, the build bind-mounted
# read-only, the facts tree, the tokens and the agent's state dir from CL_DIR. CAP_NET_ADMIN, as
# on a real node: the bgp domain puts the VIP addresses on a link of its own (nspawn keeps it
# only for --private-network, not for a network namespace given by path).
cl_boot_node() {
  local n=$1 name=$CL_PREFIX-node$n
  mkdir -p "$CL_DIR/state/node$n" "$CL_DIR/etc-nix"
  printf 'build-users-group =\nsandbox = false\n' > "$CL_DIR/etc-nix/nix.conf"
  (cl_enter_own_cgroup "$name"
  exec setsid systemd-nspawn -b -D "$CL_ROOTFS" -M "$name" --register=no --keep-unit \
    --volatile=overlay --console=read-only --network-namespace-path="/run/netns/$name" \
    --capability=CAP_NET_ADMIN \
    --bind-ro="$CL_BUILD" --bind-ro="$CL_DIR/facts/node$n:/etc/photon/facts" \
    --bind-ro="$CL_DIR/bootstrap.token:/etc/photon/bootstrap.token" \
    --bind-ro="$CL_CA:/etc/photon/ca.pem" \
    --bind-ro="$CL_DIR/etc-nix:/etc/nix" \
    --bind="$CL_DIR/state/node$n:/var/lib/photon-agent" \
    $(cl_node_extra_args "$n") \
    </dev/null > "$CL_DIR/logs/container-node$n.log" 2>&1) &
  cl_record_pid "container-node$n" $!
}

# The host PID of node n's init (systemd), once the container is up.
cl_init_pid() {
  local pid
  pid=$(cat "$CL_DIR/pids/container-node$1")
  awk '{print $1}' "/proc/$pid/task/$pid/children" 2>/dev/null
}

cl_node_booted() {
  local init
  init=$(cl_init_pid "$1")
  [ -n "$init" ] && [ -S "/proc/$init/root/run/dbus/system_bus_socket" ] || return 1
  # degraded (a unit failed) is booted too; is-system-running exits non-zero then.
  case $(cl_in_node "$1" systemctl is-system-running 2>/dev/null || true) in
    running | degraded) return 0 ;;
    *) return 1 ;;
  esac
}

# cl_in_node N CMD... — runs CMD inside node N (all its namespaces).
cl_in_node() {
  local n=$1 init
  shift
  init=$(cl_init_pid "$n")
  [ -n "$init" ] || return 1
  nsenter -t "$init" -a "$@"
}

# Starts the agent under the node's systemd: photon-bootstrap.service (bootstrap: phone home,
# wait for the install plan, run the install steps) and photon-agent.service (run, after it).
cl_start_agent() {
  local n=$1 agent=$CL_BUILD/agent/photon-agent
  cl_in_node "$n" systemd-run --quiet --no-block --unit=photon-bootstrap --property=Type=oneshot \
    --description="Photon bootstrap: phone home, install" \
    --property=RemainAfterExit=yes \
    "$agent" bootstrap --coordinator "$CL_URL" --ca-file /etc/photon/ca.pem \
    --bootstrap-token-file /etc/photon/bootstrap.token \
    --state-dir /var/lib/photon-agent --facts-root /etc/photon/facts --plan-poll-interval 1 \
    --retry-max 2 \
    --install-step "/bin/echo partitioning with layout {disk_layout}" \
    --install-step "/bin/echo installing {system_profile} as {hostname} at {address}/{prefix_length}" \
    >/dev/null
  cl_start_agent_run "$n" --property=After=photon-bootstrap.service \
    --property=Requires=photon-bootstrap.service
}

# photon-agent.service (run) in node n's systemd; extra arguments are systemd-run properties.
cl_start_agent_run() {
  local n=$1 agent=$CL_BUILD/agent/photon-agent
  shift
  cl_in_node "$n" systemd-run --quiet --no-block --unit=photon-agent --property=Type=notify \
    --description="Photon node agent" "$@" --property=Restart=on-failure \
    "$agent" run --coordinator "$CL_URL" --ca-file /etc/photon/ca.pem --state-dir /var/lib/photon-agent \
    --facts-root /etc/photon/facts --poll-interval 1 --retry-max 2 \
    --domains nixos,units,bgp --bird-socket /run/photon/bird.ctl \
    --metrics-listen "127.0.0.1:$CL_AGENT_METRICS_PORT" >/dev/null
}

# Powers node n off (its container: systemd shuts down, as on a power button) and removes the
# container's cgroup tree.
cl_stop_node() {
  cl_stop_containers "$CL_DIR/pids/container-node$1" >/dev/null
  cl_remove_own_cgroup "$CL_PREFIX-node$1"
}

# Boots node n again after cl_stop_node, as an installed machine boots after a power loss: its
# state dir (credentials, the last desired document) kept, its systemd fresh, and only the
# agent's run started (bootstrap is the installer's: the coordinator refuses it for an active
# node).
cl_restart_node() {
  local n=$1
  cl_boot_node "$n"
  cl_wait 120 "node$n's systemd to boot again" cl_node_booted "$n"
  cl_start_agent_run "$n"
}

cl_bring_up() {
  cl_prepare_dir
  cl_network
  echo "fabric: namespace $CL_FABRIC, bridge br0 10.99.0.1/24"
  cl_coordinator
  echo "coordinator: $CL_URL (SQLite in $CL_DIR/data)"
  cl_build_systems
  echo "binary cache: $CL_CACHE_URL (nginx over a nix copy --to file:// directory)"
  echo "system generations: v1     $CL_SYSTEM_V1"
  echo "                    v2     $CL_SYSTEM_V2"
  echo "                    v3-bad $CL_SYSTEM_BAD"
  cl_apply_cluster >/dev/null
  echo "cluster declaration applied: pool web 10.99.1.10-50, rules big-compute and many-disks"
  cl_fabric_bird
  echo "fabric router: BIRD, AS 65000, configured by photonctl bgp router-config: sessions"
  echo "  photon_node1..3 (node n is AS 6500n, a password each, BFD 100 ms x 3), only $CL_VIP/32 accepted"
  cl_make_facts 1 8 1
  cl_make_facts 2 8 1
  cl_make_facts 3 4 2
  for n in "${CL_NODES[@]}"; do cl_boot_node "$n"; done
  local state
  for n in "${CL_NODES[@]}"; do
    cl_wait 120 "node$n's systemd to boot" cl_node_booted "$n"
    state=$(cl_in_node "$n" systemctl is-system-running || true)
    # A failed unit at boot is a defect of this set-up (it was the shared cgroup tree): say which.
    [ "$state" = running ] || cl_die "node$n's systemd is $state; failed units: $(cl_in_node "$n" \
      systemctl --failed --no-legend --plain | awk '{print $1}' | paste -sd' ')"
    echo "node$n: container $CL_PREFIX-node$n, eth0 10.99.0.1$n/24, systemd $state"
  done
  for n in "${CL_NODES[@]}"; do cl_start_agent "$n"; done
}

# ---- reading the cluster ---------------------------------------------------------------------

# Node ids by hostname (web-1...) once enrolled; prints "id" of the node whose facts are node n.
cl_node_id() { cat "$CL_DIR/state/node$1/node-id" 2>/dev/null; }

cl_observed() { cl_api GET "/api/v1/nodes/$(cl_node_id "$1")/observed"; }

# The nodes the fabric's router has a path to PREFIX from, by declared name ("node1 node3"):
# router-config names each node's session photon_<name>.
cl_route_protocols() {
  cl_birdc show route "$1" 2>/dev/null | grep -oE '\[photon_node[0-9]+ ' | sed 's/^\[photon_//; s/ $//' |
    sort | paste -sd' '
}

# When the router's session with node n last changed state ("2026-12-02 14:03:07.512"; the
# config's timeformat is iso long ms): unchanged means the session was never restarted.
cl_session_since() {
  local p
  p=$(cl_router_protocol "$1")
  cl_birdc show protocols "$p" 2>/dev/null | awk -v p="$p" '$1 == p {print $5, $6}'
}
