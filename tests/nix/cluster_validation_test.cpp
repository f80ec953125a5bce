// Each mistake in a declaration fails evaluation with a message that names its attribute path.
// Every case starts from the lab example, changes one attribute, and reads nix-instantiate's
// error output.
#include <catch2/catch.hpp>

#include "common/json_fields.h"
#include "tests/nix/nix_eval.h"
#include "tests/support/temp_dir.h"

using namespace photon::test;

namespace {
struct BadCase {
  const char* path;      // attribute path to set, as a Nix list of strings
  const char* value;     // the Nix value it gets
  const char* expected;  // what the error says, after "photon cluster: "
};

// `set [ "a" "b" ] v decl` is decl with a.b = v: enough of lib.recursiveUpdate for the tests.
std::string withChange(const BadCase& c) {
  return "let set = path: v: a: if path == [ ] then v else a // { ${builtins.head path} = "
         "set (builtins.tail path) v (a.${builtins.head path} or { }); }; in set " +
         std::string(c.path) + " (" + c.value + ") (" + example("lab") + ")";
}

const BadCase kCases[] = {
    {R"([ "name" ])", R"("Lab")", "name: must be 1-63 characters"},
    {R"([ "pools" "web" "range" "end" ])", R"("10.0.1.5")",
     "pools.web.range.end: comes before range.start"},
    {R"([ "pools" "web" "range" "start" ])", R"("10.0.2.5")",
     "pools.web.range.start: lies outside cidr 10.0.1.0/24"},
    {R"([ "pools" "web" "cidr" ])", R"("10.0.1.5/24")", "pools.web.cidr: must be an IPv4 network"},
    {R"([ "pools" "web" "gateway" ])", R"("10.0.1.20")",
     "pools.web.gateway: lies inside the allocation range"},
    {R"([ "pools" "web" "hostnamePattern" ])", R"("web")",
     "pools.web.hostnamePattern: must contain {index}"},
    {R"([ "pools" "web" "hostnamePatern" ])", R"("web-{index}")",
     "pools.web.hostnamePatern: unknown attribute"},
    {R"([ "pools" "web2" ])",
     R"({ cidr = "10.0.1.0/24"; range = { start = "10.0.1.200"; end = "10.0.1.220"; }; })",
     "pools.web2.range: overlaps the range of pools.web (10.0.1.10 - 10.0.1.250)"},
    {R"([ "nodes" "core-2" "address" ])", R"("10.0.0.11")",
     "nodes.core-2.address: address 10.0.0.11 is already used by nodes.core-1.address"},
    {R"([ "nodes" "core-1" "address" ])", R"("10.0.5.1")",
     "nodes.core-1.address: lies outside cidr 10.0.0.0/24 of pools.infra"},
    {R"([ "nodes" "core-1" "address" ])", R"("10.0.0.150")",
     "nodes.core-1.address: lies inside the allocation range of pools.infra"},
    {R"([ "nodes" "core-1" "pool" ])", R"("edge")", "nodes.core-1.pool: unknown pool 'edge'"},
    {R"([ "nodes" "core-1" "macs" ])", R"([ "52:54:00:00:00" ])",
     "nodes.core-1.macs[0]: is not a MAC address"},
    {R"([ "nodes" "core-3" "macs" ])", R"([ "52:54:00:00:00:11" ])",
     "nodes.core-3.macs[0]: MAC 52:54:00:00:00:11 is already used by nodes.core-1.macs[0]"},
    {R"([ "nodes" "core-2" "machineId" ])", R"("not-a-machine-id")",
     "nodes.core-2.machineId: is not a machine-id"},
    {R"([ "nodes" "core-3" "coreServices" ])", R"([ "etcd" "dns" ])",
     "nodes.core-3.coreServices[1]: unknown core service \"dns\""},
    {R"([ "coreServices" "coordinator" "nodes" ])", R"([ "core-2" "core-9" ])",
     "coreServices.coordinator.nodes[1]: unknown node \"core-9\""},
    {R"([ "rules" "big" "pool" ])", R"("nope")", "rules.big.pool: unknown pool 'nope'"},
    {R"([ "rules" "gpu" "class" ])", R"("tpu")", "rules.gpu.class: unknown class 'tpu'"},
    {R"([ "rules" "big" "match" "minCores" ])", R"(-1)",
     "rules.big.match.minCores: must be between 0 and 1048576"},
    {R"([ "rules" "node-core-1" ])", R"({ pool = "web"; })",
     "rules.node-core-1: collides with the enrollment rule made for nodes.core-1"},
    {R"([ "bgp" "asn" ])", "4294967295", "bgp.asn: ASN must be between 1 and 4294967294"},
    {R"([ "bgp" "asn" ])", "0", "bgp.asn: ASN must be between 1 and 4294967294 (got 0)"},
    {R"([ "nodes" "core-3" "bgp" "peers" ])", R"([ { address = "10.0.0.3"; asn = 0; } ])",
     "nodes.core-3.bgp.peers[0].asn: ASN must be between"},
    {R"([ "bgp" "peers" ])", R"([ { address = "10.0.0.300"; asn = 65100; } ])",
     "bgp.peers[0].address: is not an IP address"},
    {R"([ "bgp" "routeReflectors" ])", R"([ "core-1" "core-7" ])",
     "bgp.routeReflectors[1]: unknown node \"core-7\""},
    {R"([ "bgp" "communities" ])", R"([ "65000:70000" ])",
     "bgp.communities[0]: is not a community"},
    {R"([ "nodes" "core-3" "bgp" "peers" ])", R"([ { address = "10.0.0.1"; asn = 65100; } ])",
     "nodes.core-3.bgp.peers[0]: neighbour 10.0.0.1 of nodes.core-3 is already given by "
     "bgp.peers[0]"},
    {R"([ "bgp" "peers" ])", R"([ { address = "10.0.0.1"; asn = 65100; holdTime = 2; } ])",
     "bgp.peers[0].holdTime: must be 0 (never time out) or 3-65535 seconds (got 2)"},
    {R"([ "bgp" "peers" ])",
     R"([ { address = "10.0.0.1"; asn = 65100; holdTime = 6; keepaliveTime = 6; } ])",
     "bgp.peers[0].keepaliveTime: must be less than holdTime (6 s)"},
    {R"([ "nodes" "core-3" "bgp" "peers" ])",
     R"([ { address = "10.0.0.3"; asn = 65101; bfd = { intervalMs = 1; }; } ])",
     "nodes.core-3.bgp.peers[0].bfd.intervalMs: must be between 10 and 10000 (got 1)"},
    {R"([ "bgp" "peers" ])",
     R"([ { address = "10.0.0.1"; asn = 65100; bfd = { interval = 100; }; } ])",
     "bgp.peers[0].bfd.interval: unknown attribute"},
    {R"([ "vips" "api" "address" ])", R"("10.0.0.12")",
     "vips.api.address: address 10.0.0.12 is already used by nodes.core-2.address"},
    {R"([ "vips" "web" "address" ])", R"("10.0.100.0/24")",
     "vips.web.address: must be an IPv4 host address"},
    {R"([ "vips" "web" "service" ])", R"("db")", "vips.web.service: unknown service 'db'"},
    {R"([ "services" "web" "global" ])", "true", "services.web: has both replicas and global"},
    {R"([ "services" "web" "selector" "pool" ])", R"("edge")",
     "services.web.selector.pool: unknown pool 'edge'"},
    {R"([ "settings" "nodeTtlSec" ])", "0",
     "settings.nodeTtlSec: must be between 1 and 604800 (got 0)"},
    {R"([ "classes" "compute" "labels" ])", R"({ "Bad Key" = "x"; })",
     "classes.compute.labels.\"Bad Key\": is not a label key"},
};

// The declaration with the case's change fails, naming the path as the case says.
void expectRefused(const BadCase& c, const TempDir& tmp) {
  INFO("change " << c.path << " = " << c.value);
  auto r = nixEval(clusterOf(withChange(c)), tmp.path());
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find(std::string("photon cluster: ") + c.expected) != std::string::npos);
}
}  // namespace

TEST_CASE("cluster.nix: each mistake fails with a message naming its attribute path", "[nix]") {
  TempDir tmp;
  for (const auto& c : kCases) expectRefused(c, tmp);
}

TEST_CASE("cluster.nix: the unchanged base declaration evaluates", "[nix]") {
  // The cases above only mean something if the declaration they change is fine.
  TempDir tmp;
  BadCase none{R"([ "name" ])", R"("lab")", ""};
  auto r = nixEval(clusterOf(withChange(none)), tmp.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
}

namespace {
// The declaration's services take `photonctl service put`'s spec: checked here as the
// coordinator checks it, each mistake named by its attribute path.
const BadCase kServiceCases[] = {
    {R"([ "services" "web" "replica" ])", "3", "services.web.replica: unknown attribute"},
    {R"([ "services" "web" "resources" "cpu_millis" ])", "0",
     "services.web.resources.cpu_millis: must be between 1 and 1024000 (got 0)"},
    {R"([ "services" "web" "resources" "disk_bytes" ])", "1",
     "services.web.resources.disk_bytes: unknown attribute"},
    {R"([ "services" "web" "update" "max_parallel" ])", "0",
     "services.web.update.max_parallel: must be between 1 and 1000 (got 0)"},
    {R"([ "services" "web" "instance" "exec" ])", R"([ "web" "--port" "8080" ])",
     "services.web.instance.exec[0]: must be an absolute path (got \"web\")"},
    {R"([ "services" "web" "instance" "name" ])", R"("web-0")",
     "services.web.instance.name: is set by placement"},
    {R"([ "services" "web" "instance" "kind" ])", R"("vm")",
     "services.web.instance.kind: must be \"process\" or \"container\""},
    {R"([ "services" "web" "instance" "health" "tcp" ])", "{ port = 8080; }",
     "services.web.instance.health: needs exactly one of http, tcp, exec"},
    {R"([ "services" "api" ])",
     "{ replicas = 1; resources = { cpu_millis = 100; memory_bytes = 1048576; }; }",
     "services.api.instance: is required"},
    {R"([ "services" "db" ])",
     R"({ replicas = 1; resources = { cpu_millis = 100; memory_bytes = 1048576; };
          instance.kind = "container"; })",
     "services.db.instance.image: a container needs an image name"},
    {R"([ "coreServices" "etcd" "instance" ])", R"({ exec = [ "etcd" ]; })",
     "coreServices.etcd.instance.exec[0]: must be an absolute path"},
    {R"([ "coreServices" "etcd" "replicas" ])", "2",
     "coreServices.etcd.replicas: unknown attribute"},
    // A service's own `vip` is checked as vips.<name> is, at its own path.
    {R"([ "services" "web" "vip" ])", R"("10.0.100.7")",
     "services.web.vip: vips.web is declared too: give the VIP in one place"},
    {R"([ "coreServices" "etcd" "vip" ])", R"("127.0.0.1")",
     "coreServices.etcd.vip: must not be 0.0.0.0, loopback"},
    {R"([ "coreServices" "etcd" "vip" ])", R"("10.0.100.1")",
     "coreServices.etcd.vip: address 10.0.100.1 is already used by vips.api.address"},
};
}  // namespace

TEST_CASE("cluster.nix: a declared service's spec is checked, each mistake named by its path",
          "[nix][declaration]") {
  TempDir tmp;
  for (const auto& c : kServiceCases) expectRefused(c, tmp);
  // A core service with an instance (the agents run it on its pinned nodes) evaluates.
  BadCase pinned{R"([ "coreServices" "etcd" "instance" ])",
                 R"({ exec = [ "/run/current-system/sw/bin/etcd" ]; health.tcp.port = 2379; })",
                 ""};
  auto r = nixEval(clusterOf(withChange(pinned)), tmp.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);

  // `vip` on a service becomes a vips entry for it and is not part of the spec the coordinator
  // gets (its services API knows no vip).
  BadCase db{R"([ "services" "db" ])",
             R"({ replicas = 1; resources = { cpu_millis = 100; memory_bytes = 1048576; };
                  instance.exec = [ "/bin/db" ]; vip = "10.0.100.9"; })",
             ""};
  r = nixEval(clusterOf(withChange(db)), tmp.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = photon::common::Json::parse(r.out);
  CHECK(doc["vips"].back() ==
        photon::common::Json{{"name", "db"}, {"address", "10.0.100.9/32"}, {"service", "db"}});
  for (const auto& s : doc["services"]) CHECK_FALSE(s.contains("vip"));
}
