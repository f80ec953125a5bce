# shellcheck shell=bash
# The cluster's story, continued: services written in the Nix declaration run on the nodes
# (story_declared), and an agent is watched through its metrics (story_agent_metrics). For
# tests/e2e/cluster_story; source scripts/lib/cluster.sh and scripts/lib/story.sh first.

# ---- declared services -------------------------------------------------------------------------

# declared_apply VERSION WITH_ECHO — evaluates tests/e2e/declared_services.nix through
# nix/lib/cluster.nix (as an operator's nix-instantiate does), puts its services into the
# cluster's declaration and applies that with photonctl cluster apply.
declared_apply() {
  local services
  services=$(nix-instantiate --eval --strict --json --expr "import $CL_REPO/nix/lib/cluster.nix \
    (import $CL_REPO/tests/e2e/declared_services.nix { version = \"$1\"; withEcho = $2; })" |
    jq -c .services) || cl_die "cluster.nix refused tests/e2e/declared_services.nix"
  (umask 077 && jq --argjson s "$services" '.services = $s' "$CL_DIR/cluster.json" \
    > "$CL_DIR/declared.json")
  cl_ctl cluster apply "$CL_DIR/declared.json" >/dev/null || cl_die "photonctl cluster apply refused"
}

# "node revision health" per allocation of service NAME that is not lost.
allocations_of() {
  cl_api GET "/api/v1/services/$1/allocations" |
    jq -r '.allocations[] | select(.state != "lost") | "\(.node) \(.name) \(.revision) \(.health)"'
}
# Service NAME has COUNT allocations, all healthy on one revision other than NOT (may be "").
declared_settled() {
  local name=$1 count=$2 not=${3:-} allocs
  allocs=$(allocations_of "$name") || return 1
  [ "$(wc -l <<<"$allocs")" = "$count" ] || return 1
  [ "$(awk '$4 != "healthy"' <<<"$allocs" | wc -l)" = 0 ] || return 1
  [ "$(awk '{print $3}' <<<"$allocs" | sort -u | wc -l)" = 1 ] || return 1
  [ "$(awk 'NR == 1 {print $3}' <<<"$allocs")" != "$not" ]
}
revision_of() { allocations_of "$1" | awk 'NR == 1 {print $3}'; }

# The version the systemd unit of instance INSTANCE on node N runs with, from its environment.
unit_version() {
  cl_in_node "$1" systemctl show -p Environment --value "photon-$2.service" |
    grep -oE 'DECLARED_VERSION=[^ ]*' | cut -d= -f2
}
unit_main_pid() { cl_in_node "$1" systemctl show -p MainPID --value "photon-$2.service"; }

# Dies unless every allocation of service NAME runs, in its node's systemd, as an active unit of
# VERSION that answers on PORT from the fabric. Records each unit's main PID in PIDS_OF[name].
declare -A PIDS_OF=()
check_declared_units() {
  local name=$1 version=$2 port=$3 node instance n pids=""
  while read -r node instance _; do
    n=$(node_number "$node")
    [ "$(cl_in_node "$n" systemctl is-active "photon-$instance.service")" = active ] ||
      cl_die "node$n's systemd does not run photon-$instance.service"
    [ "$(unit_version "$n" "$instance")" = "$version" ] ||
      cl_die "node$n's photon-$instance.service runs version '$(unit_version "$n" "$instance")', not $version"
    ip netns exec "$CL_FABRIC" curl -sf --max-time 5 "http://10.99.0.1$n:$port/version" >/dev/null ||
      cl_die "http://10.99.0.1$n:$port/ (photon-$instance.service on node$n) does not answer"
    pids+="$n:$instance:$(unit_main_pid "$n" "$instance") "
    say "  node$n: photon-$instance.service active, version $version, answers on :$port"
  done < <(allocations_of "$name")
  PIDS_OF[$name]=$pids
}
# Instance units of service NAME in all the nodes' systemds ("node1:photon-echo-0.service ...").
units_everywhere() {
  local n
  for n in "${CL_NODES[@]}"; do
    cl_in_node "$n" systemctl list-units --no-legend --plain "photon-$1-*" 2>/dev/null |
      awk -v n="$n" '{print "node" n ":" $1}'
  done | paste -sd' '
}
no_units_of() { [ -z "$(units_everywhere "$1")" ]; }
service_gone() { ! cl_api GET "/api/v1/services/$1" >/dev/null 2>&1; }

story_declared() {
  local name old_hello old_echo before
  step "3c. Services declared in Nix: placed by cluster apply, rolled by a change, stopped when removed"
  say "tests/e2e/declared_services.nix declares hello (:8081) and echo (:8082), 2 replicas each;"
  say "cluster.nix renders them into the declaration and photonctl cluster apply applies it."
  declared_apply 1 true
  for name in hello echo; do
    [ "$(cl_api GET "/api/v1/services/$name" | jq -r .owner)" = declaration ] ||
      cl_die "service $name's owner is not the declaration"
  done
  cl_wait 60 "both replicas of hello healthy" declared_settled hello 2
  cl_wait 60 "both replicas of echo healthy" declared_settled echo 2
  check_declared_units hello 1 8081
  check_declared_units echo 1 8082
  show cl_ctl services
  # The declaration owns them: the API refuses to change one (409).
  if cl_ctl service put hello "$CL_DIR/web-service.json" >/dev/null 2>&1; then
    cl_die "photonctl service put changed the declared service hello"
  fi

  say ""
  say "The declaration changes (version 2): placement rolls both services, one instance at a time."
  old_hello=$(revision_of hello) old_echo=$(revision_of echo)
  before="${PIDS_OF[hello]} ${PIDS_OF[echo]}"
  declared_apply 2 true
  cl_wait 90 "hello to roll to its new revision" declared_settled hello 2 "$old_hello"
  cl_wait 90 "echo to roll to its new revision" declared_settled echo 2 "$old_echo"
  check_declared_units hello 2 8081
  check_declared_units echo 2 8082
  local entry
  for entry in ${PIDS_OF[hello]} ${PIDS_OF[echo]}; do
    [[ " $before " != *" $entry "* ]] || cl_die "unit ${entry%:*} was not replaced by the roll (same main PID)"
  done
  say "  every unit replaced (new main PIDs): $before -> ${PIDS_OF[hello]} ${PIDS_OF[echo]}"

  say ""
  say "echo is removed from the declaration: it stops; hello keeps running, untouched."
  before=${PIDS_OF[hello]}
  declared_apply 2 false
  cl_wait 30 "service echo to be gone from the API" service_gone echo
  cl_wait 60 "the nodes' systemds to have stopped every echo unit" no_units_of echo
  declared_settled hello 2 || cl_die "hello is not settled after echo's removal"
  check_declared_units hello 2 8081
  [ "${PIDS_OF[hello]}" = "$before" ] || cl_die "hello's units were restarted by echo's removal"

  # The rest of the story is about web alone: the declaration without services stops hello.
  cl_ctl cluster apply "$CL_DIR/cluster.json" >/dev/null || cl_die "photonctl cluster apply refused"
  cl_wait 60 "the nodes' systemds to have stopped every hello unit" no_units_of hello
}

# ---- agent metrics ------------------------------------------------------------------------------

# The agent's Prometheus text on node N (--metrics-listen 127.0.0.1:9478, in the node's own
# network namespace).
agent_metrics() {
  ip netns exec "$CL_PREFIX-node$1" curl -sf --max-time 5 "http://127.0.0.1:$CL_AGENT_METRICS_PORT/metrics"
}
# The value of the sample whose name and labels are exactly SERIES in FILE.
metric_value() { awk -v s="$2" '$1 == s {print $2}' "$1"; }

# Scrapes node N's agent into CL_DIR/metrics-nodeN.txt and checks it: promtool accepts it, and
# it says what the node does now (reaching the coordinator, its BGP session up, its system
# applied, a desired revision applied, a recent poll). Prints what is wrong and fails otherwise.
agent_metrics_ok() {
  local n=$1 file=$CL_DIR/metrics-node$1.txt series value
  agent_metrics "$n" > "$file" || { echo "no answer on /metrics"; return 1; }
  promtool check metrics < "$file" > "$CL_DIR/logs/promtool-node$n.log" 2>&1 ||
    { echo "promtool check metrics: $(head -3 "$CL_DIR/logs/promtool-node$n.log")"; return 1; }
  for series in 'photon_agent_coordinator_reachable' 'photon_agent_bgp_sessions{state="up"}' \
    'photon_agent_system_outcome{outcome="applied"}'; do
    value=$(metric_value "$file" "$series")
    [ "$value" = 1 ] || { echo "$series is '$value', not 1"; return 1; }
  done
  value=$(metric_value "$file" 'photon_agent_desired_revision_applied')
  [ "${value:-0}" != 0 ] || { echo "no desired revision applied"; return 1; }
  value=$(metric_value "$file" 'photon_agent_last_successful_poll_timestamp_seconds')
  [ -n "$value" ] && awk -v v="$value" -v now="$(date +%s)" 'BEGIN {exit !(now - v < 30)}' ||
    { echo "last successful poll '$value' is not within 30 s"; return 1; }
}

story_agent_metrics() {
  local n file why try healthy=0 announcing=0
  step "3b. Each agent's metrics: scraped from its node, checked by promtool"
  for n in "${CL_NODES[@]}"; do
    # Bounded: a report that lags the router by a pass is read again.
    for try in $(seq 20); do
      why=$(agent_metrics_ok "$n") && break
      sleep 0.5
    done
    [ -z "$why" ] || cl_die "node$n's agent metrics: $why"
    file=$CL_DIR/metrics-node$n.txt
    say "node$n: $(wc -l < "$file") lines, promtool OK; VIPs announced" \
      "$(metric_value "$file" photon_agent_vips_announced), healthy units" \
      "$(metric_value "$file" 'photon_agent_units{health="healthy"}')"
    # web runs on two nodes (story_service): theirs announce its VIP and count it healthy.
    [ "$(metric_value "$file" 'photon_agent_units{health="healthy"}')" = 1 ] && healthy=$((healthy + 1))
    [ "$(metric_value "$file" photon_agent_vips_announced)" = 1 ] && announcing=$((announcing + 1))
  done
  [ "$healthy" = 2 ] || cl_die "$healthy agents count a healthy web instance, not 2"
  [ "$announcing" = 2 ] || cl_die "$announcing agents announce the VIP, not 2"
  echo "agent metrics of all three nodes scraped and accepted by promtool check metrics"
}
