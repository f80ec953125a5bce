#include "coordinator/ctl/service_commands.h"

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "common/api/observed.h"
#include "coordinator/ctl/rest.h"
#include "coordinator/ctl/table.h"

namespace photon::ctl {
namespace {
using Json = nlohmann::json;

int listServices(CtlContext& ctx) {
  auto j = call(ctx, "GET", "/api/v1/services");
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "KIND", "OWNER", "REPLICAS", "PLACED", "HEALTHY", "UNPLACED", "REVISION"}};
  for (const auto& s : (*j)["services"]) {
    const Json& st = s["status"];
    rows.push_back({str(s, "name"), s.value("core", false) ? "core" : "service", str(s, "owner"),
                    s.value("global", false) ? "global" : str(s, "replicas"), str(st, "placed"),
                    str(st, "healthy"), std::to_string(st["unplaced"].size()),
                    str(st, "instance_revision")});
  }
  ctx.out << renderTable(rows);
  return 0;
}

int showService(CtlContext& ctx, const std::string& name) {
  auto j = call(ctx, "GET", "/api/v1/services/" + urlEncode(name));
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  const Json& st = (*j)["status"];
  std::vector<std::vector<std::string>> rows = {
      {"name:", name + ((*j).value("core", false) ? " (core, pinned)" : "")},
      {"owner:", str(*j, "owner") == "declaration"
                     ? "the cluster declaration (change it there, photonctl cluster apply)"
                     : str(*j, "owner")},
      {"placed / healthy:", str(st, "placed") + " / " + str(st, "healthy")},
      {"revision:",
       str(st, "instance_revision") + " (last healthy " + str(st, "last_healthy_revision") + ")"}};
  if (!str(st, "reverted_from").empty()) {
    rows.push_back(
        {"reverted:", "from " + str(st, "reverted_from") + ": " + str(st, "revert_reason")});
  }
  if (!str(st, "paused_reason").empty()) rows.push_back({"paused:", str(st, "paused_reason")});
  for (const auto& u : st["unplaced"]) {
    rows.push_back({"unplaced:", "slot " + str(u, "slot") + ": " + str(u, "reason")});
  }
  ctx.out << renderTable(rows) << "spec:\n" << (*j)["spec"].dump(2) << "\n";
  return 0;
}

int putService(CtlContext& ctx, const std::string& name, const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    ctx.err << "photonctl service put: cannot read " << file << "\n";
    return 1;
  }
  std::stringstream body;
  body << in.rdbuf();
  auto j = call(ctx, "PUT", "/api/v1/services/" + urlEncode(name), body.str());
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  ctx.out << "service " << name << " stored at revision " << str(*j, "revision")
          << ", instance revision " << str(*j, "instance_revision") << "\n";
  for (const auto& w : (*j)["warnings"]) ctx.out << "warning: " << w.get<std::string>() << "\n";
  return 0;
}

int deleteService(CtlContext& ctx, const std::string& name) {
  auto j = call(ctx, "DELETE", "/api/v1/services/" + urlEncode(name));
  if (!j) return 1;
  ctx.out << (ctx.json_output ? j->dump(2) : "service " + name + " deleted; its instances stop")
          << "\n";
  return 0;
}

// A line per missing node of the service's allocations: how long it has been gone and when its
// instances move. Quiet when the node list cannot be read.
void printMissingNodes(CtlContext& ctx, const Json& allocations) {
  std::set<std::string> holding;
  auto list = allocations.find("allocations");
  if (list == allocations.end() || !list->is_array()) return;
  for (const auto& a : *list) holding.insert(str(a, "node"));
  if (holding.empty()) return;
  auto res = ctx.client.request("GET", "/api/v1/nodes", "");
  if (!res || res->status != 200) return;
  Json nodes = Json::parse(res->body, nullptr, false);
  if (!nodes.is_object() || !nodes["nodes"].is_array()) return;
  std::optional<FailoverTimes> times;
  int64_t now = nowSeconds();
  for (const auto& n : nodes["nodes"]) {
    if (!holding.contains(str(n, "id")) ||
        common::parseEnum<common::Liveness>(str(n, "liveness")) != common::Liveness::kMissing) {
      continue;
    }
    if (!times) times = fetchFailoverTimes(ctx);
    ctx.out << "node " << str(n, "hostname") << " (" << str(n, "id")
            << "): " << missingText(n, *times, now) << "\n";
  }
}

int showAllocations(CtlContext& ctx, const std::string& name) {
  auto j = call(ctx, "GET", "/api/v1/services/" + urlEncode(name) + "/allocations");
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"INSTANCE", "SLOT", "NODE", "HOSTNAME", "STATE", "HEALTH", "REVISION"}};
  for (const auto& a : (*j)["allocations"]) {
    std::string state = str(a, "state");
    if (!str(a, "replaces").empty()) state += " " + str(a, "replaces");
    rows.push_back({str(a, "name"), str(a, "slot"), str(a, "node"), str(a, "hostname"), state,
                    str(a, "health").empty() ? "-" : str(a, "health"), str(a, "revision")});
  }
  ctx.out << renderTable(rows);
  for (const auto& u : (*j)["unplaced"]) {
    ctx.out << "unplaced slot " << str(u, "slot") << ": " << str(u, "reason") << "\n";
  }
  printMissingNodes(ctx, *j);
  return 0;
}

// The instances of every service still allocated to `node`, as "name (state)".
std::optional<std::vector<std::string>> instancesOn(CtlContext& ctx, const std::string& node) {
  auto services = call(ctx, "GET", "/api/v1/services");
  if (!services) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& s : (*services)["services"]) {
    std::string path = "/api/v1/services/" + urlEncode(str(s, "name")) + "/allocations";
    auto allocs = call(ctx, "GET", path);
    if (!allocs) return std::nullopt;
    for (const auto& a : (*allocs)["allocations"]) {
      if (str(a, "node") == node && str(a, "state") != "lost") {
        out.push_back(str(a, "name") + " (" + str(a, "health") + ")");
      }
    }
  }
  return out;
}

int drainAndWait(CtlContext& ctx, const std::vector<std::string>& args) {
  std::string node;
  int wait_s = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--wait" && i + 1 < args.size()) {
      wait_s = static_cast<int>(number(args[++i]).value_or(-1));
    } else if (node.empty() && !args[i].starts_with("-")) {
      node = args[i];
    } else {
      node.clear();
      break;
    }
  }
  if (node.empty() || wait_s <= 0 || wait_s > 86400) {
    ctx.err << "photonctl drain NODE [--wait SECONDS (1-86400)]\n";
    return 2;
  }
  if (int rc = nodeAction(ctx, "drain", node); rc != 0) return rc;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  std::string last;
  while (true) {
    auto shown = call(ctx, "GET", "/api/v1/nodes/" + urlEncode(node));
    if (!shown) return 1;
    std::string state = str(*shown, "state");
    auto left = instancesOn(ctx, node);
    if (!left) return 1;
    std::string line =
        node + ": " + state + ", " + std::to_string(left->size()) + " instance(s) left";
    for (const auto& name : *left) line += " " + name;
    if (line != last) ctx.out << line << "\n";
    last = line;
    if (state == "drained") return 0;
    if (state != "draining") {
      ctx.err << "photonctl: " << node << " left the drain in state " << state << "\n";
      return 1;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ctx.err << "photonctl: " << node << " still draining after " << wait_s << " s\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}
}  // namespace

bool isServiceCommand(const std::string& cmd, const std::vector<std::string>& args) {
  if (cmd == "services" || cmd == "service" || cmd == "allocations") return true;
  // "drain ID" alone stays the plain lifecycle action.
  return cmd == "drain" && args.size() > 1;
}

int serviceCommand(CtlContext& ctx, const std::string& cmd, const std::vector<std::string>& args) {
  if (cmd == "services" && args.empty()) return listServices(ctx);
  if (cmd == "service" && args.size() == 2 && args[0] == "show") return showService(ctx, args[1]);
  if (cmd == "service" && args.size() == 3 && args[0] == "put") {
    return putService(ctx, args[1], args[2]);
  }
  if (cmd == "service" && args.size() == 2 && args[0] == "delete") {
    return deleteService(ctx, args[1]);
  }
  if (cmd == "allocations" && args.size() == 1) return showAllocations(ctx, args[0]);
  if (cmd == "drain") return drainAndWait(ctx, args);
  ctx.err << "photonctl: wrong arguments for " << cmd << "\n\n" << serviceUsage();
  return 2;
}

std::string serviceUsage() {
  return R"(  services                                      list services (operators' and core)
  service show NAME                             spec, placement status, reverts
  service put NAME FILE                         create or update a service from a JSON file
  service delete NAME                           delete a service (its instances stop)
  allocations NAME                              where each instance runs; why a slot is unplaced
  drain ID --wait SECONDS                       drain and follow it until drained
)";
}

}  // namespace photon::ctl
