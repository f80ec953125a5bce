# shellcheck shell=bash
# The cluster's story, step by step, for scripts/demo (which shows what happens) and
# tests/e2e/cluster_story (which runs it as a test). Every step acts, then waits — bounded —
# for what it must lead to, read from the router's routes, the coordinator's API and the
# containers' systemd; a step whose outcome does not come dies naming what it waited for.
# Source scripts/lib/cluster.sh first. CL_SHOW=1 prints tables and routes along the way.

CL_SHOW=${CL_SHOW:-0}
show() { if [ "$CL_SHOW" = 1 ]; then "$@"; fi; }
say() { if [ "$CL_SHOW" = 1 ]; then printf '%s\n' "$*"; fi; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# ---- reading -----------------------------------------------------------------------------------

count_nodes_in() { cl_ctl -o json nodes --state "$1" | jq '.nodes | length'; }
nodes_in_state() { [ "$(count_nodes_in "$1")" = "$2" ]; }
node_state() { cl_api GET "/api/v1/nodes/$(cl_node_id "$1")" | jq -r .state; }
node_in_state() { [ "$(node_state "$1")" = "$2" ]; }

# observed_system N -> "outcome system" from node N's report
observed_system() {
  cl_observed "$1" | jq -r '.observed.domains.system // {} | "\(.outcome) \(.system)"'
}
system_is() { [ "$(observed_system "$1")" = "$2 $3" ]; }
# The generation node N's systemd world really runs: /run/current-system inside the container.
running_system() { cl_in_node "$1" readlink /run/current-system; }

# instance_field N NAME FIELD -> FIELD of instance NAME in node N's units report
instance_field() {
  cl_observed "$1" | jq -r --arg n "$2" --arg f "$3" \
    '.observed.domains.units.instances // [] | map(select(.name == $n))[0][$f] // empty'
}
instance_healthy() { [ "$(instance_field "$1" "$2" health)" = healthy ]; }
# The nodes the router has a path to the VIP from, e.g. "node1 node2".
vip_paths() { cl_route_protocols "$CL_VIP/32"; }
vip_paths_are() { [ "$(vip_paths)" = "$*" ]; }
sessions_established() {
  [ "$(cl_birdc show protocols 2>/dev/null | grep -cE '^photon_node[0-9]+ .*Established')" = "${#CL_NODES[@]}" ]
}
session_established() {
  [[ $(cl_birdc show protocols "$(cl_router_protocol "$1")" 2>/dev/null) == *Established* ]]
}
photon_units_in_node() {
  cl_in_node "$1" systemctl list-units --no-legend --plain 'photon-web*' | awk '{print $1}' | paste -sd' '
}
install_steps_of() {
  cl_in_node "$1" journalctl -u photon-bootstrap -o cat --no-pager | grep -E '^install step .*: done' |
    sed 's/^/  /' | head -4
}
no_web_unit_in_node() { [ -z "$(photon_units_in_node "$1")" ]; }

# ---- deployments and placement ---------------------------------------------------------------

# The health gate of a deployment (docs/nixos.md): the agent's own unit
# must be active in the node's systemd and the generation's check must pass.
health_json() {
  echo '{"units": ["photon-agent.service"], "exec": [["/run/current-system/bin/check"]]}'
}

# deploy SYSTEM — rolls SYSTEM out to the active nodes of pool web, one node at a time, with
# photonctl deploy (POST /api/v1/deployments); DEPLOYMENT is its id, DEPLOY_RESULT its final
# state (succeeded, failed).
deploy() {
  local system=$1 out
  show echo "\$ photonctl deploy $system --pool web --max-parallel 1 --confirm-within 8 \\"
  show echo "    --substituter $CL_CACHE_URL --trusted-key <cache key> --health '$(health_json)'"
  # It follows the rollout and exits non-zero unless every node applied: the result is read
  # from the API below.
  out=$(timeout 180 ip netns exec "$CL_FABRIC" "$CL_BUILD/coordinator/photonctl" \
    --coordinator "$CL_URL" --ca-file "$CL_CA" --token-file "$CL_DIR/admin.token" deploy "$system" --pool web \
    --max-parallel 1 --confirm-within 8 --substituter "$CL_CACHE_URL" \
    --trusted-key "$CL_CACHE_KEY" --health "$(health_json)" 2>&1 </dev/null) || true
  show printf '%s\n' "$out" | sed 's/^/  /'
  DEPLOYMENT=$(cl_api GET "/api/v1/deployments?limit=1" | jq -r '.deployments[0].id')
  [ -n "$DEPLOYMENT" ] && [ "$DEPLOYMENT" != null ] || cl_die "photonctl deploy made no deployment: $out"
  cl_wait 120 "deployment $DEPLOYMENT to finish" deployment_finished "$DEPLOYMENT"
  DEPLOY_RESULT=$(cl_api GET "/api/v1/deployments/$DEPLOYMENT" | jq -r .state)
}
# How many of the deployment's nodes ended with STATUS.
deployment_nodes_with() {
  cl_api GET "/api/v1/deployments/$1" | jq --arg s "$2" '[.nodes[] | select(.status == $s)] | length'
}
deployment_finished() {
  case $(cl_api GET "/api/v1/deployments/$1" | jq -r .state) in
    succeeded | failed | cancelled) return 0 ;;
    *) return 1 ;;
  esac
}

# The nodes (numbers) in state active.
active_nodes() {
  local n
  for n in "${CL_NODES[@]}"; do [ "$(node_state "$n")" = active ] && echo "$n"; done
  return 0
}

# The node number of a node id.
node_number() {
  local n
  for n in "${CL_NODES[@]}"; do [ "$(cl_node_id "$n")" = "$1" ] && echo "$n"; done
  return 0
}

# The service "web": two replicas on distinct hosts, a busybox HTTP server serving
# /run/current-system (after a 5 s warm-up, so that a restart is visible), a TCP health check.
web_service() {
  jq -nc '{replicas: 2, distinct_hosts: true,
    resources: {cpu_millis: 100, memory_bytes: 67108864},
    update: {max_parallel: 1, min_healthy_s: 1},
    instance: {restart: "always",
      exec: ["/bin/sh", "-c", "echo warming up; sleep 5; exec /bin/busybox httpd -f -p 8080 -h /run/current-system"],
      health: {tcp: {port: 8080}, interval_s: 1, timeout_ms: 500, rise: 1, fall: 1}}}'
}

# Node numbers holding a healthy, placed instance of web, sorted ("1 3").
web_nodes() {
  local id
  for id in $(cl_api GET /api/v1/services/web/allocations |
    jq -r '.allocations[] | select(.state != "lost") | .node'); do
    node_number "$id"
  done | sort | paste -sd' '
}
web_instance_on() {
  cl_api GET /api/v1/services/web/allocations |
    jq -r --arg id "$(cl_node_id "$1")" '.allocations[] | select(.node == $id) | .name'
}
web_nodes_count_is() { [ "$(web_nodes | wc -w)" = "$1" ]; }
test_web_nodes() { [ "$(route_names $(web_nodes))" = "$1" ]; }
print_allocations() {
  echo "\$ photonctl allocations web"
  cl_ctl allocations web
}
# "node1 node2" for node numbers "1 2"
route_names() { local n; for n in "$@"; do printf 'node%s\n' "$n"; done | sort | paste -sd' '; }

# ---- the story ---------------------------------------------------------------------------------

story_enroll() {
  step "1. The nodes phone home and are enrolled by the rules"
  say "Each node's systemd runs photon-bootstrap.service (phone home with its hardware facts)"
  say "and then photon-agent.service. Rules: 8 cores -> compute, auto-install; 2 disks -> storage."
  cl_wait 60 "all three nodes to phone home" test -s "$CL_DIR/state/node3/node-id" -a \
    -s "$CL_DIR/state/node1/node-id" -a -s "$CL_DIR/state/node2/node-id"
  cl_wait 30 "node3 (4 cores, 2 disks: rule many-disks, no auto-install) to wait in ready" \
    node_in_state 3 ready
  cl_wait 30 "node1 and node2 (rule big-compute, auto-install) to become active" \
    nodes_in_state active 2
  show cl_ctl nodes
  say ""
  say "node3 waits in 'ready'; the operator installs it:"
  show echo "\$ photonctl install $(cl_node_id 3)"
  cl_ctl install "$(cl_node_id 3)" >/dev/null
  cl_wait 30 "node3 to install and become active" node_in_state 3 active
  say ""
  say "The operator names the nodes (label photon.io/node), which the declaration's BGP config is keyed by:"
  for n in "${CL_NODES[@]}"; do
    cl_api PATCH "/api/v1/nodes/$(cl_node_id "$n")" "{\"labels\": {\"photon.io/node\": \"node$n\"}}" >/dev/null ||
      cl_die "labelling node$n"
  done
  show cl_ctl nodes
  say ""
  say "node1's bootstrap journal (its install steps):"
  show install_steps_of 1
}

story_deploy() {
  step "2. A deployment activates system generation v1 on all three nodes (health-gated)"
  say "v1 = $CL_SYSTEM_V1, served by the binary cache at $CL_CACHE_URL"
  deploy "$CL_SYSTEM_V1"
  [ "$DEPLOY_RESULT" = succeeded ] || cl_die "deployment $DEPLOYMENT of v1 ended $DEPLOY_RESULT"
  for n in "${CL_NODES[@]}"; do
    cl_wait 60 "node$n to report system v1 applied" system_is "$n" applied "$CL_SYSTEM_V1"
    [ "$(running_system "$n")" = "$CL_SYSTEM_V1" ] ||
      cl_die "node$n's /run/current-system is $(running_system "$n"), not v1"
    say "node$n: applied, /run/current-system -> $(running_system "$n")"
  done
}

story_service() {
  step "3. Service 'web' with VIP $CL_VIP is placed on two nodes; the router learns it from both"
  web_service > "$CL_DIR/web-service.json"
  say "2 replicas on distinct hosts; the VIP comes from the cluster declaration (vips: web)"
  show echo "\$ photonctl service put web web-service.json"
  cl_ctl service put web "$CL_DIR/web-service.json" >/dev/null || cl_die "photonctl service put web refused"
  cl_wait 30 "placement to allocate both replicas of web" web_nodes_count_is 2
  WEB_NODES=$(web_nodes)
  say "placed on: $(route_names $WEB_NODES)"
  show print_allocations
  cl_wait 30 "the router's BGP sessions with all three nodes" sessions_established
  cl_wait 60 "the router to learn $CL_VIP from $(route_names $WEB_NODES)" \
    vip_paths_are $(route_names $WEB_NODES)
  show cl_birdc show route "$CL_VIP/32"
  local served
  served=$(ip netns exec "$CL_FABRIC" curl -s --max-time 5 "http://$CL_VIP:8080/version") ||
    cl_die "the fabric cannot reach http://$CL_VIP:8080/"
  [ "$served" = v1 ] || cl_die "http://$CL_VIP:8080/version answered '$served', not v1"
  say "from the fabric: curl http://$CL_VIP:8080/version -> $served"
}

story_kill() {
  local victim other name pid restarts
  read -r victim other <<<"$WEB_NODES"
  name=$(web_instance_on "$victim")
  step "4. An instance is killed: its VIP is withdrawn, systemd restarts it, the VIP comes back"
  pid=$(instance_field "$victim" "$name" main_pid)
  restarts=$(instance_field "$victim" "$name" n_restarts)
  [ -n "$pid" ] && [ "$pid" != 0 ] || cl_die "node$victim reports no main pid for $name"
  say "kill -9 $pid ($name's main process inside node$victim)"
  cl_in_node "$victim" /bin/busybox kill -9 "$pid"
  cl_wait 20 "the router to withdraw node$victim's path to $CL_VIP" vip_paths_are "node$other"
  show cl_birdc show route "$CL_VIP/32"
  cl_wait 30 "$name to be restarted and healthy again" instance_healthy "$victim" "$name"
  [ "$(instance_field "$victim" "$name" n_restarts)" -gt "${restarts:-0}" ] ||
    cl_die "node$victim's systemd did not count a restart of $name"
  cl_wait 20 "the router to learn $CL_VIP from node$victim again" \
    vip_paths_are $(route_names $WEB_NODES)
  say "restarted by systemd (n_restarts $(instance_field "$victim" "$name" n_restarts)); the route is back:"
  show cl_birdc show route "$CL_VIP/32"
}

story_drain() {
  local victim other spare n
  read -r victim other <<<"$WEB_NODES"
  for n in "${CL_NODES[@]}"; do
    if [ "$n" != "$victim" ] && [ "$n" != "$other" ]; then spare=$n; fi
  done
  step "5. node$victim is drained: its instance moves to node$spare, its VIP goes"
  show echo "\$ photonctl drain $(cl_node_id "$victim")"
  cl_ctl drain "$(cl_node_id "$victim")" >/dev/null
  cl_wait 90 "placement to move web from node$victim to node$spare" \
    test_web_nodes "$(route_names "$other" "$spare")"
  cl_wait 60 "the router to have $CL_VIP from node$other and node$spare only" \
    vip_paths_are $(route_names "$other" "$spare")
  cl_wait 30 "node$victim's systemd to have stopped its web instance" no_web_unit_in_node "$victim"
  cl_wait 30 "node$victim to be drained" node_in_state "$victim" drained
  DRAINED=$victim
  show cl_ctl nodes
  show print_allocations
  show cl_birdc show route "$CL_VIP/32"
}

story_rollback() {
  local n tried=0
  step "6. A bad generation is rolled back"
  say "v3-bad = $CL_SYSTEM_BAD: it activates, but its health check fails"
  deploy "$CL_SYSTEM_BAD"
  [ "$DEPLOY_RESULT" = failed ] || cl_die "deployment $DEPLOYMENT of v3-bad ended $DEPLOY_RESULT, not failed"
  tried=$(deployment_nodes_with "$DEPLOYMENT" rolled-back)
  say "deployment $DEPLOYMENT failed: the first node rolled v3-bad back, the others did not start,"
  say "and auto_revert gave the first its previous system section back:"
  show cl_api GET "/api/v1/deployments/$DEPLOYMENT" |
    jq -r '.nodes[] | "  \(.id): \(.status) \(.revert // "") \(.reason)"'
  for n in "${CL_NODES[@]}"; do
    [ "$n" = "${DRAINED:-}" ] && continue
    [ "$(running_system "$n")" = "$CL_SYSTEM_V1" ] ||
      cl_die "node$n's /run/current-system is $(running_system "$n") after the rollback, not v1"
    say "node$n: /run/current-system -> $(running_system "$n") (v1)"
  done
  [ "$tried" = 1 ] || cl_die "deployment $DEPLOYMENT has $tried rolled-back nodes, not 1"
  [ "$(cl_api GET "/api/v1/deployments/$DEPLOYMENT" | jq '[.nodes[] | select(.revert == "reverted")] | length')" = 1 ] ||
    cl_die "deployment $DEPLOYMENT did not revert the rolled-back node"
}

# ---- a node dies ----------------------------------------------------------------------------

# Active (running) instance units of web in node N's systemd; nothing when the node is down.
running_web_units() {
  cl_in_node "$1" systemctl list-units --no-legend --plain --state=active 'photon-web*' 2>/dev/null |
    awk '{print $1}' | paste -sd' '
}
# All running web instances across the nodes, as "nodeN:unit", sorted.
running_web_everywhere() {
  local n u
  for n in "${CL_NODES[@]}"; do
    [ -f "$CL_DIR/pids/container-node$n" ] || continue
    for u in $(running_web_units "$n"); do echo "node$n:$u"; done
  done | sort | paste -sd' '
}
node_liveness() { cl_api GET "/api/v1/nodes/$(cl_node_id "$1")" | jq -r .liveness; }
node_missing() { [ "$(node_liveness "$1")" = missing ]; }
node_back() { [ "$(node_liveness "$1")" != missing ] && node_in_state "$1" active; }
# The allocations of web on node N in state lost (their node went missing past the grace).
lost_on() {
  cl_api GET /api/v1/services/web/allocations |
    jq -r --arg id "$(cl_node_id "$1")" '.allocations[] | select(.node == $id and .state == "lost") | .name'
}
has_lost_on() { [ -n "$(lost_on "$1")" ]; }
no_lost_on() { [ -z "$(lost_on "$1")" ]; }
allocations_say() { [[ $(cl_ctl allocations web) == *"$1"* ]]; }

# Cuts node VICTIM's link on the fabric's side (the router's bridge keeps its carrier: to the
# router a pulled cable or a power loss, only BGP or BFD can notice) and polls the router until
# its path to the VIP from VICTIM is gone. CUT_NS: the wall clock just before the cut;
# CUT_TO_GONE_MS: from then until a poll saw the path gone (each poll forks birdc: it lags the
# router by a few tens of ms); CUT_TO_DOWN_MS: until the session went down by the router's own
# clock (the since of its protocol, in ms: BIRD drops the session's routes at that moment).
cut_and_time_route_gone() {
  local victim=$1 protocol end since
  protocol=$(cl_router_protocol "$victim")
  CUT_NS=$(date +%s%N)
  end=$((CUT_NS + 10 * 1000000000))
  ip -n "$CL_FABRIC" link set "node$victim" down
  while [[ $(cl_birdc show route "$CL_VIP/32" 2>/dev/null) == *"[$protocol "* ]]; do
    [ "$(date +%s%N)" -lt "$end" ] ||
      cl_die "the router still has node$victim's path to $CL_VIP 10 s after its link was cut"
    sleep 0.005
  done
  CUT_TO_GONE_MS=$((($(date +%s%N) - CUT_NS) / 1000000))
  since=$(cl_session_since "$victim")
  [ -n "$since" ] && ! session_established "$victim" ||
    cl_die "the router's session with node$victim is still up (since '$since') with its path gone"
  CUT_TO_DOWN_MS=$(($(date -d "$since" +%s%3N) - CUT_NS / 1000000))
  [ "$CUT_TO_DOWN_MS" -ge 0 ] ||
    cl_die "the router's session with node$victim last changed state before the cut ($since)"
}
# Seconds since the cut, to a tenth ("26.4").
since_cut() {
  local ds=$((($(date +%s%N) - CUT_NS) / 100000000))
  echo "$((ds / 10)).$((ds % 10))"
}

# Dies unless every session in the array named by $1 (node -> its since before the cut) is still
# Established and has been since before the cut. Not compared as text: BIRD keeps a protocol's
# since on its monotonic clock and converts it to wall-clock time when it prints it, so the
# last digit of the milliseconds wanders (seen: .274 then .273); a restarted session's since is
# after the cut.
sessions_untouched() {
  local -n before=$1
  local n now
  for n in "${!before[@]}"; do
    now=$(cl_session_since "$n")
    if ! session_established "$n" || [ -z "$now" ] ||
      [ "$(date -d "$now" +%s%3N)" -ge "$((CUT_NS / 1000000))" ]; then
      cl_die "the router's session with node$n restarted ($2): since ${before[$n]} -> $now"
    fi
  done
}

# While node VICTIM comes back: every 0.5 s (bounded, 120 s) no more than two web instances run
# in all the nodes' systemds together and none on VICTIM, until VICTIM is alive and active, its
# lost allocation gone, and VICTIM's systemd has seen the agent's run through at least one pass.
watch_return() {
  local victim=$1 end=$((SECONDS + 120)) running
  while true; do
    running=$(running_web_everywhere)
    [ "$(wc -w <<<"$running")" -le 2 ] || cl_die "more than two web instances run: $running"
    [[ $running != *"node$victim:"* ]] || cl_die "node$victim runs a web instance again: $running"
    if node_back "$victim" && no_lost_on "$victim" &&
      [ "$(cl_in_node "$victim" systemctl is-active photon-agent 2>/dev/null)" = active ]; then
      return 0
    fi
    [ "$SECONDS" -lt "$end" ] || cl_die "timed out after 120s waiting for node$victim to come back clean"
    sleep 0.5
  done
}

story_node_dies() {
  local victim other spare n name
  declare -A since_before=()
  step "7. A node dies: BFD takes its VIP off the router, its instance fails over, it comes back clean"
  if [ -n "${DRAINED:-}" ]; then
    say "First node$DRAINED (drained in step 5) is undrained, so that a replacement has a node to go to:"
    show echo "\$ photonctl undrain $(cl_node_id "$DRAINED")"
    cl_ctl undrain "$(cl_node_id "$DRAINED")" >/dev/null
    cl_wait 30 "node$DRAINED to be active again" node_in_state "$DRAINED" active
  fi
  read -r victim other <<<"$(web_nodes)"
  for n in "${CL_NODES[@]}"; do
    if [ "$n" != "$victim" ] && [ "$n" != "$other" ]; then spare=$n; fi
  done
  name=$(web_instance_on "$victim")
  cl_wait 30 "the router's BGP sessions with all three nodes" sessions_established
  cl_wait 30 "the router to have $CL_VIP from node$victim and node$other" \
    vip_paths_are $(route_names "$victim" "$other")
  [ "$(running_web_everywhere | wc -w)" = 2 ] ||
    cl_die "before the cut, web instances running: $(running_web_everywhere)"
  for n in "${CL_NODES[@]}"; do
    [ "$n" = "$victim" ] || since_before[$n]=$(cl_session_since "$n")
  done
  say "web runs as $name on node$victim and on node$other; the router's BFD sessions:"
  show cl_birdc show bfd sessions

  say ""
  say "node$victim's link is cut on the fabric's side (ip -n $CL_FABRIC link set node$victim down):"
  cut_and_time_route_gone "$victim"
  echo "link cut -> node$victim's VIP path gone at the router: ${CUT_TO_GONE_MS} ms (seen by polling;" \
    "BFD took the session down after ${CUT_TO_DOWN_MS} ms by the router's clock)"
  # The goal, asserted on the router's clock: BIRD flushes a session's routes as it goes down.
  # The poll only bounds it (on a loaded machine a poll took up to ~300 ms).
  [ "$CUT_TO_DOWN_MS" -le 1000 ] ||
    cl_die "the router took ${CUT_TO_DOWN_MS} ms to take node$victim's session down (BFD should within 1 s)"
  [ "$CUT_TO_GONE_MS" -le 2000 ] ||
    cl_die "the router's path from node$victim was seen gone only ${CUT_TO_GONE_MS} ms after the cut"
  vip_paths_are "node$other" || cl_die "the router's paths to $CL_VIP are '$(vip_paths)', not node$other"
  sessions_untouched since_before "when node$victim's link was cut"
  show cl_birdc show route "$CL_VIP/32"
  show cl_birdc show protocols
  say "Then its container is stopped (the node is powered off):"
  cl_stop_node "$victim"

  cl_wait 30 "the coordinator to see node$victim missing (TTL 15 s)" node_missing "$victim"
  say "  node$victim missing $(since_cut) s after the cut (its last report + TTL 15 s)"
  allocations_say "fails over in" ||
    cl_die "photonctl allocations web shows no failover countdown for node$victim"
  show print_allocations
  cl_wait 60 "placement to re-place $name on node$spare (grace 5 s)" \
    test_web_nodes "$(route_names "$other" "$spare")"
  cl_wait 10 "the allocation on node$victim to be lost" has_lost_on "$victim"
  say "  $name lost, its replacement placed on node$spare $(since_cut) s after the cut (+ grace 5 s):"
  show print_allocations
  cl_wait 60 "the router to have $CL_VIP from node$other and node$spare" \
    vip_paths_are $(route_names "$other" "$spare")
  [ "$(ip netns exec "$CL_FABRIC" curl -s --max-time 5 "http://$CL_VIP:8080/version")" = v1 ] ||
    cl_die "http://$CL_VIP:8080/ does not answer v1 after the failover"
  sessions_untouched since_before "during the failover"
  echo "link cut -> $CL_VIP served from the replacement on node$spare: $(since_cut) s"
  say "no other session was restarted:"
  show cl_birdc show route "$CL_VIP/32"

  say ""
  say "node$victim returns: its link up, its container booted again, its agent run started:"
  local back=$SECONDS
  ip -n "$CL_FABRIC" link set "node$victim" up
  cl_restart_node "$victim"
  watch_return "$victim"
  cl_wait 30 "node$victim's systemd to have no web unit" no_web_unit_in_node "$victim"
  # /run/current-system went with the old boot: the nixos domain activates v1 again.
  cl_wait 90 "node$victim to report system v1 applied again" system_is "$victim" applied "$CL_SYSTEM_V1"
  [ "$(running_system "$victim")" = "$CL_SYSTEM_V1" ] ||
    cl_die "node$victim's /run/current-system is $(running_system "$victim") after its return, not v1"
  say "node$victim is back $((SECONDS - back)) s after its link came up: active, alive, system v1, no web unit"
  [ "$(running_web_everywhere | wc -w)" = 2 ] ||
    cl_die "after node$victim's return, web instances running: $(running_web_everywhere)"
  show cl_ctl nodes
  show print_allocations
  say "running web instances: $(running_web_everywhere)"
  # The router waits out BIRD's error wait (60 s) after a BFD failure before it takes the
  # session again (docs/bgp.md).
  cl_wait 120 "the router's session with node$victim to be Established again" session_established "$victim"
  say "the router's session with node$victim is Established again $(since_cut) s after the cut"
  sessions_untouched since_before "when node$victim came back"
  vip_paths_are $(route_names "$other" "$spare") ||
    cl_die "the router's paths to $CL_VIP are '$(vip_paths)' after node$victim's return"
  show cl_birdc show protocols
}

story_all() {
  story_enroll
  story_deploy
  story_service
  story_kill
  story_drain
  story_rollback
  story_node_dies
}
