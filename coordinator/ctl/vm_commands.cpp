#include "coordinator/ctl/vm_commands.h"

#include <fstream>
#include <sstream>

#include "coordinator/ctl/rest.h"
#include "coordinator/ctl/table.h"

namespace photon::ctl {
namespace {
using Json = nlohmann::json;

std::string vmPath(const std::string& name) {
  return "/api/v1/vms/" + urlEncode(name);
}

// One VM's row in the list: what is wanted next to what its node reports.
std::vector<std::string> row(const Json& v) {
  const Json& spec = v["spec"];
  std::string node = str(v, "node") + (v.value("pinned", false) ? " (pinned)" : "");
  return {str(v, "name"),
          node,
          str(spec, "state").empty() ? "running" : str(spec, "state"),
          str(v, "status"),
          str(spec, "cpus").empty() ? "1" : str(spec, "cpus"),
          str(spec, "memory_mib"),
          v["observed"].is_object() ? str(v["observed"], "pid") : ""};
}

int list(CtlContext& ctx) {
  auto j = call(ctx, "GET", "/api/v1/vms");
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "NODE", "WANTED", "STATUS", "CPUS", "MEMORY_MIB", "PID"}};
  for (const auto& v : (*j)["vms"]) rows.push_back(row(v));
  ctx.out << renderTable(rows) << (*j)["vms"].size() << " VM(s)\n";
  return 0;
}

int show(CtlContext& ctx, const std::string& name) {
  auto j = call(ctx, "GET", vmPath(name));
  if (!j) return 1;
  ctx.out << j->dump(2) << "\n";
  return 0;
}

int put(CtlContext& ctx, const std::string& name, const std::string& file,
        const std::string& node) {
  std::ifstream in(file);
  if (!in) {
    ctx.err << "photonctl vm put: cannot read " << file << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  Json spec = Json::parse(text.str(), nullptr, false);
  if (spec.is_discarded() || !spec.is_object()) {
    ctx.err << "photonctl vm put: " << file << " is not a JSON object\n";
    return 2;
  }
  if (!node.empty()) spec["node"] = node;
  auto j = call(ctx, "PUT", vmPath(name), spec.dump());
  if (!j) return 1;
  ctx.out << (ctx.json_output ? j->dump(2) : "vm " + name + " on " + str(*j, "node")) << "\n";
  return 0;
}

int act(CtlContext& ctx, const std::string& action, const std::string& name) {
  auto j = call(ctx, "POST", vmPath(name) + "/actions/" + action);
  if (!j) return 1;
  ctx.out << (ctx.json_output
                  ? j->dump(2)
                  : "vm " + name + ": " + action + " (wanted " +
                        (str((*j)["spec"], "state").empty() ? std::string("running")
                                                            : str((*j)["spec"], "state")) +
                        ", reset generation " +
                        std::to_string((*j)["spec"].value("reset_generation", 0)) + ")")
          << "\n";
  return 0;
}

int remove(CtlContext& ctx, const std::string& name) {
  auto j = call(ctx, "DELETE", vmPath(name));
  if (!j) return 1;
  ctx.out << (ctx.json_output ? j->dump(2) : "vm " + name + " deleted") << "\n";
  return 0;
}
}  // namespace

std::string vmUsage() {
  return R"(  vm list                                       VMs, where they run, what their node reports
  vm show NAME                                  one VM: spec, node, observed state (JSON)
  vm put NAME FILE [--node N]                   create or replace a VM from a JSON spec
                                                (docs/vms.md); --node pins it
  vm start|stop|reset NAME                      power a VM on or off, or reset it once
  vm delete NAME                                stop it and take it off its node
)";
}

int runVmCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  if (sub == "list" && args.size() == 1) return list(ctx);
  if (sub == "show" && args.size() == 2) return show(ctx, args[1]);
  if (sub == "put" && args.size() == 3) return put(ctx, args[1], args[2], "");
  if (sub == "put" && args.size() == 5 && args[3] == "--node") {
    return put(ctx, args[1], args[2], args[4]);
  }
  if ((sub == "start" || sub == "stop" || sub == "reset") && args.size() == 2) {
    return act(ctx, sub, args[1]);
  }
  if (sub == "delete" && args.size() == 2) return remove(ctx, args[1]);
  ctx.err << "photonctl vm: unknown subcommand or wrong arguments\n\n" << vmUsage();
  return 2;
}

}  // namespace photon::ctl
