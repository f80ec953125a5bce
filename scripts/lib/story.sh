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
  [ "$(cl_birdc show protocols 2>/dev/null | grep -c 'node[0-9].*Established')" = "${#CL_NODES[@]}" ]
}
photon_units_in_node() {
  cl_in_node "$1" systemctl list-units --no-legend --plain 'photon-web*' | awk '{print $1}' | paste -sd' '
}
install_steps_of() {
  cl_in_node "$1" journalctl -u photon-bootstrap -o cat --no-pager | grep -E 'installing|partitioning' |
    sed 's/^/  /' | head -4
}
no_web_unit_in_node() { [ -z "$(photon_units_in_node "$1")" ]; }

# ---- features that other work lands: the real API when it is there, the sections otherwise ---

# 400 on an empty body means the route exists (404: it does not).
has_route() {
  local code
  code=$(ip netns exec "$CL_FABRIC" curl -s -o /dev/null -w '%{http_code}' -X "$1" \
    -H "Authorization: Bearer $(cat "$CL_DIR/admin.token")" -H 'Content-Type: application/json' \
    --data-binary '{}' --max-time 10 "$CL_URL$2")
  [ "$code" != 404 ] && [ "$code" != 405 ]
}

system_section() {
  jq -nc --arg s "$1" --arg c "$CL_CACHE_URL" --arg k "$CL_CACHE_KEY" '{
    system: $s, substituters: [$c], trusted_public_keys: [$k], require_sigs: true,
    mode: "switch", confirm_within_s: 8,
    health: {units: ["photon-agent.service"], exec: [["/run/current-system/bin/check"]]}}'
}

# deploy SYSTEM NODE... — rolls SYSTEM out to the nodes.
deploy() {
  local system=$1 n
  shift
  for n in "$@"; do cl_put_section "$n" system "$(system_section "$system")"; done
}

web_instance() {
  jq -nc --arg name "$1" '{name: $name, service: "web", restart: "always",
    exec: ["/bin/sh", "-c", "echo warming up; sleep 5; exec /bin/busybox httpd -f -p 8080 -h /run/current-system"],
    health: {tcp: {port: 8080}, interval_s: 1, timeout_ms: 500, rise: 1, fall: 1},
    revision: 1}'
}

bgp_section() {
  local n=$1 vips=$2
  jq -nc --argjson n "$n" --argjson vips "$vips" '{
    asn: (65000 + $n), router_id: "10.99.0.1\($n)",
    neighbors: [{address: "10.99.0.1", asn: 65000, name: "fabric"}],
    vips: $vips}'
}

# place_web NODE... — the service "web" (VIP CL_VIP) runs one instance on each of the nodes,
# none on the others.
place_web() {
  local n on vips units
  for n in "${CL_NODES[@]}"; do
    on=0
    for m in "$@"; do [ "$m" = "$n" ] && on=1; done
    if [ "$on" = 1 ]; then
      units="[$(web_instance "web-n$n")]"
      vips=$(jq -nc --arg a "$CL_VIP/32" '[{address: $a, service: "web"}]')
    else
      units='[]' vips='[]'
    fi
    cl_put_section "$n" units "$units"
    cl_put_section "$n" bgp "$(bgp_section "$n" "$vips")"
  done
}

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
  show cl_ctl nodes
  say ""
  say "node1's bootstrap journal (its install steps):"
  show install_steps_of 1
}

story_deploy() {
  step "2. A deployment activates system generation v1 on all three nodes (health-gated)"
  say "v1 = $CL_SYSTEM_V1, served by the binary cache at $CL_CACHE_URL"
  deploy "$CL_SYSTEM_V1" "${CL_NODES[@]}"
  for n in "${CL_NODES[@]}"; do
    cl_wait 60 "node$n to report system v1 applied" system_is "$n" applied "$CL_SYSTEM_V1"
    [ "$(running_system "$n")" = "$CL_SYSTEM_V1" ] ||
      cl_die "node$n's /run/current-system is $(running_system "$n"), not v1"
    say "node$n: applied, /run/current-system -> $(running_system "$n")"
  done
}

story_service() {
  step "3. Service 'web' with VIP $CL_VIP is placed on two nodes; the router learns it from both"
  place_web 1 2
  cl_wait 30 "the router's BGP sessions with all three nodes" sessions_established
  cl_wait 60 "the router to learn $CL_VIP from node1 and node2" \
    vip_paths_are node1 node2
  show cl_birdc show route "$CL_VIP/32"
  local served
  served=$(ip netns exec "$CL_FABRIC" curl -s --max-time 5 "http://$CL_VIP:8080/version") ||
    cl_die "the fabric cannot reach http://$CL_VIP:8080/"
  [ "$served" = v1 ] || cl_die "http://$CL_VIP:8080/version answered '$served', not v1"
  say "from the fabric: curl http://$CL_VIP:8080/version -> $served"
}

story_kill() {
  step "4. An instance is killed: its VIP is withdrawn, systemd restarts it, the VIP comes back"
  local pid restarts
  pid=$(instance_field 1 web-n1 main_pid)
  restarts=$(instance_field 1 web-n1 n_restarts)
  [ -n "$pid" ] && [ "$pid" != 0 ] || cl_die "node1 reports no main pid for web-n1"
  say "kill -9 $pid (web-n1's main process inside node1)"
  cl_in_node 1 /bin/busybox kill -9 "$pid"
  cl_wait 20 "the router to withdraw node1's path to $CL_VIP" \
    vip_paths_are node2
  show cl_birdc show route "$CL_VIP/32"
  cl_wait 30 "web-n1 to be restarted and healthy again" instance_healthy 1 web-n1
  [ "$(instance_field 1 web-n1 n_restarts)" -gt "${restarts:-0}" ] ||
    cl_die "node1's systemd did not count a restart of web-n1"
  cl_wait 20 "the router to learn $CL_VIP from node1 again" \
    vip_paths_are node1 node2
  say "restarted by systemd (n_restarts $(instance_field 1 web-n1 n_restarts)); the route is back:"
  show cl_birdc show route "$CL_VIP/32"
}

story_drain() {
  step "5. node1 is drained: its instance moves, its VIP goes"
  show echo "\$ photonctl drain $(cl_node_id 1)"
  cl_ctl drain "$(cl_node_id 1)" >/dev/null
  place_web 2 3
  cl_wait 60 "the router to have $CL_VIP from node2 and node3 only" \
    vip_paths_are node2 node3
  cl_wait 30 "node1's systemd to have stopped photon-web-n1" no_web_unit_in_node 1
  cl_wait 30 "node1 to be drained" node_in_state 1 drained
  show cl_ctl nodes
  show cl_birdc show route "$CL_VIP/32"
}

story_rollback() {
  step "6. A bad generation is rolled back"
  say "v3-bad = $CL_SYSTEM_BAD: it activates, but its health check fails"
  deploy "$CL_SYSTEM_BAD" 2 3
  for n in 2 3; do
    cl_wait 60 "node$n to roll v3-bad back" system_is "$n" rolled-back "$CL_SYSTEM_BAD"
    [ "$(running_system "$n")" = "$CL_SYSTEM_V1" ] ||
      cl_die "node$n's /run/current-system is $(running_system "$n") after the rollback, not v1"
    say "node$n: $(cl_observed "$n" | jq -r .observed.domains.system.reason)"
    say "node$n: /run/current-system -> $(running_system "$n") (v1 again)"
  done
}

story_all() {
  story_enroll
  story_deploy
  story_service
  story_kill
  story_drain
  story_rollback
}
