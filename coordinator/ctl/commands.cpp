#include "coordinator/ctl/commands.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/api/observed.h"
#include "common/text.h"
#include "coordinator/ctl/bgp_command.h"
#include "coordinator/ctl/deploy_command.h"
#include "coordinator/ctl/node_bgp_rows.h"
#include "coordinator/ctl/node_history_command.h"
#include "coordinator/ctl/power_commands.h"
#include "coordinator/ctl/rest.h"
#include "coordinator/ctl/service_commands.h"
#include "coordinator/ctl/table.h"
#include "coordinator/ctl/vm_commands.h"

namespace photon::ctl {
namespace {
using Json = nlohmann::json;

const std::vector<std::string> kActions = {"commission",  "install", "drain", "undrain",
                                           "reprovision", "rescue",  "retire"};

std::string labelsText(const Json& labels) {
  std::string out;
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items()) {
    if (!out.empty()) out += ",";
    out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return common::escapeControls(out);
}

int printNodes(CtlContext& ctx, const std::vector<std::string>& args) {
  std::string query;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto take = [&](const std::string& name) { return takeFlag(args, i, name); };
    std::optional<std::string> v;
    if ((v = take("state"))) {
      query += "&state=" + urlEncode(*v);
    } else if ((v = take("pool"))) {
      query += "&pool=" + urlEncode(*v);
    } else if ((v = take("label"))) {
      query += "&label=" + urlEncode(*v);
    } else {
      ctx.err << "photonctl nodes: unknown argument '" << a
              << "' (filters: --state S, --pool P, --label k=v)\n";
      return 2;
    }
  }
  std::string path = "/api/v1/nodes";
  if (!query.empty()) path += "?" + query.substr(1);
  auto j = call(ctx, "GET", path);
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "HOSTNAME", "STATE", "LIVENESS", "POWER",
                                                 "POOL", "CLASS", "ADDRESS", "SINCE", "LABELS"}};
  int64_t now = nowSeconds();
  std::optional<FailoverTimes> times;
  for (const auto& n : (*j)["nodes"]) {
    std::string liveness = str(n, "liveness");
    if (common::parseEnum<common::Liveness>(liveness) == common::Liveness::kMissing) {
      if (!times) times = fetchFailoverTimes(ctx);
      liveness = missingText(n, *times, now);
    }
    rows.push_back({str(n, "id"), str(n, "hostname"), str(n, "state"),
                    liveness.empty() ? "-" : liveness, powerColumn(n), str(n, "pool"),
                    str(n, "class"), str(n, "address"),
                    ago(n.value("state_since", int64_t{0}), now), labelsText(n["labels"])});
  }
  ctx.out << renderTable(rows);
  ctx.out << (*j)["nodes"].size() << " node(s) at revision " << str(*j, "revision") << "\n";
  return 0;
}

int showNode(CtlContext& ctx, const std::string& id) {
  auto j = call(ctx, "GET", "/api/v1/nodes/" + urlEncode(id));
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  int64_t now = nowSeconds();
  std::string liveness = str(*j, "liveness");
  if (common::parseEnum<common::Liveness>(liveness) == common::Liveness::kMissing) {
    liveness = missingText(*j, fetchFailoverTimes(ctx), now);
  }
  const Json& f = (*j)["facts"];
  std::vector<std::vector<std::string>> rows = {
      {"id:", str(*j, "id")},
      {"hostname:", str(*j, "hostname")},
      {"machine-id:", str(*j, "machine_id")},
      {"state:",
       str(*j, "state") + " (since " + ago(j->value("state_since", int64_t{0}), now) + ")"},
      {"liveness:", liveness.empty() ? "-" : liveness},
      {"class / pool:", str(*j, "class") + " / " + str(*j, "pool")},
      {"profile:", str(*j, "profile")},
      {"address:", str(*j, "address")},
      {"labels:", labelsText((*j)["labels"])},
      {"cpu:", str(f["cpu"], "model") + ", " + str(f["cpu"], "cores") + " cores, " +
                   str(f["cpu"], "threads") + " threads" +
                   (f["cpu"].value("virtualization", false) ? ", virtualization" : "")},
      {"memory:", std::to_string(f.value("memory_bytes", int64_t{0}) >> 20) + " MiB"},
      {"dmi:", str(f["dmi"], "vendor") + " " + str(f["dmi"], "product") + " serial " +
                   str(f["dmi"], "serial")},
  };
  for (const auto& d : f["disks"]) {
    rows.push_back({"disk:", str(d, "name") + " " +
                                 std::to_string(d.value("size_bytes", int64_t{0}) >> 30) + " GiB " +
                                 str(d, "model") + " " + str(d, "serial")});
  }
  for (const auto& n : f["nics"]) {
    rows.push_back({"nic:", str(n, "name") + " " + str(n, "mac") +
                                (n.value("link_up", false) ? " up" : " down")});
  }
  if (f.contains("bmc")) {
    rows.push_back({"bmc:", str(f["bmc"], "address") + " (" + str(f["bmc"], "address_source") +
                                ") " + str(f["bmc"], "mac") + ", read in-band"});
  }
  if (!str(*j, "last_error").empty()) rows.push_back({"last error:", str(*j, "last_error")});
  if (!str(*j, "drained_by").empty()) rows.push_back({"drained by:", str(*j, "drained_by")});
  if (j->contains("power_step"))
    rows.push_back({"power step:", powerStepText((*j)["power_step"], id)});
  for (auto& row : nodeBgpRows(j->value("bgp", Json()))) rows.push_back(std::move(row));
  ctx.out << renderTable(rows);
  if (j->contains("observed")) {
    ctx.out << "observed (reported " << ago((*j)["observed"].value("reported_at", int64_t{0}), now)
            << "):\n"
            << (*j)["observed"].dump(2) << "\n";
  }
  return 0;
}

int labelNode(CtlContext& ctx, const std::string& id, const std::vector<std::string>& pairs) {
  Json labels = Json::object();
  for (const auto& p : pairs) {
    auto eq = p.find('=');
    if (eq != std::string::npos) {
      labels[p.substr(0, eq)] = p.substr(eq + 1);
    } else if (p.ends_with("-")) {
      labels[p.substr(0, p.size() - 1)] = nullptr;
    } else {
      ctx.err << "photonctl node label: '" << p << "' is neither key=value nor key-\n";
      return 2;
    }
  }
  auto j = call(ctx, "PATCH", "/api/v1/nodes/" + urlEncode(id), Json{{"labels", labels}}.dump());
  if (!j) return 1;
  ctx.out << (ctx.json_output ? j->dump(2) : "labels of " + id + ": " + labelsText((*j)["labels"]))
          << "\n";
  return 0;
}

int assignNode(CtlContext& ctx, const std::string& id, const std::vector<std::string>& args) {
  Json patch = Json::object();
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string& key = args[i];
    if (key != "--pool" && key != "--class" && key != "--profile") {
      ctx.err << "photonctl node assign: unknown option '" << key
              << "' (--pool, --class, --profile)\n";
      return 2;
    }
    patch[key.substr(2)] = args[i + 1];
  }
  if (patch.empty() || args.size() % 2 != 0) {
    ctx.err << "photonctl node assign ID [--pool P] [--class C] [--profile X]\n";
    return 2;
  }
  auto j = call(ctx, "PATCH", "/api/v1/nodes/" + urlEncode(id), patch.dump());
  if (!j) return 1;
  ctx.out << (ctx.json_output ? j->dump(2)
                              : id + ": pool " + str(*j, "pool") + ", class " + str(*j, "class") +
                                    ", profile " + str(*j, "profile"))
          << "\n";
  return 0;
}

int clusterApply(CtlContext& ctx, const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    ctx.err << "photonctl cluster apply: cannot read " << file << "\n";
    return 1;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = call(ctx, "PUT", "/api/v1/cluster", buf.str());
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  ctx.out << "cluster " << str(*j, "name") << " applied at revision " << str(*j, "revision")
          << "\n";
  // The declaration's services it created, updated (they roll) and deleted (they stop).
  const Json services = j->value("services", Json::object());
  for (const char* what : {"created", "updated", "deleted"}) {
    auto it = services.find(what);
    if (it == services.end() || !it->is_array()) continue;
    for (const auto& name : *it) {
      if (name.is_string())
        ctx.out << "  service " << name.get<std::string>() << ": " << what << "\n";
    }
  }
  for (const auto& w : j->value("warnings", Json::array())) {
    if (w.is_string()) ctx.err << "warning: " << w.get<std::string>() << "\n";
  }
  return 0;
}

int clusterShow(CtlContext& ctx) {
  auto j = call(ctx, "GET", "/api/v1/cluster");
  if (!j) return 1;
  ctx.out << j->dump(2) << "\n";
  return 0;
}
}  // namespace

// known_hosts lines for the fleet: "hostname,address key". Names and addresses come from
// machines: anything but [A-Za-z0-9.-:] is left out, so that no line can smuggle another.
int knownHosts(CtlContext& ctx) {
  auto j = call(ctx, "GET", "/api/v1/known-hosts");
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  auto plain = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of(
                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789.-:") == std::string::npos;
  };
  for (const auto& h : (*j)["hosts"]) {
    std::string names;
    for (const char* field : {"hostname", "address"}) {
      std::string v = str(h, field);
      if (plain(v)) names += (names.empty() ? "" : ",") + v;
    }
    std::string key = str(h, "ssh_host_key");
    if (names.empty() || key.find_first_of("\r\n") != std::string::npos) continue;
    ctx.out << names << " " << key << "\n";
  }
  return 0;
}

std::string usage() {
  return R"(Usage: photonctl [--coordinator URL] [--token-file F] [--output table|json] COMMAND

Commands:
  nodes [--state S] [--pool P] [--label k=v]   list nodes (--state missing: stopped polling)
  nodes history ID                              a node's last state changes and their causes
  node show ID                                  one node: facts, state, observed state
  node label ID k=v ... k-                      set or (k-) remove labels
  node assign ID [--pool P] [--class C] [--profile X]
  commission|install|drain|undrain|reprovision|rescue|retire ID
                                                move a node through its lifecycle
  cluster apply FILE                            apply the cluster declaration (JSON)
  cluster show                                  print the applied declaration
  known-hosts                                   the fleet's SSH host keys as a known_hosts file
)" + powerUsage() +
         serviceUsage() + vmUsage() + deployUsage() + bgpUsage() + R"(
The coordinator URL and token file also come from PHOTON_COORDINATOR and PHOTON_TOKEN_FILE.
)";
}

int runCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (args.empty()) {
    ctx.err << usage();
    return 2;
  }
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  // Commands of two words name their subcommand in messages too ("cluster apply: ...").
  bool grouped = cmd == "node" || cmd == "cluster" || cmd == "service" || cmd == "vm" ||
                 cmd == "deployment" || cmd == "power" || cmd == "bmc";
  ctx.command = cmd + (grouped && !rest.empty() && !rest[0].starts_with("-") ? " " + rest[0] : "");
  if (cmd == "nodes" && rest.size() == 2 && rest[0] == "history") {
    return nodeHistoryCommand(ctx, rest[1]);
  }
  if (cmd == "nodes") return printNodes(ctx, rest);
  if (cmd == "node" && rest.size() == 2 && rest[0] == "show") return showNode(ctx, rest[1]);
  if (cmd == "node" && rest.size() >= 3 && rest[0] == "label") {
    return labelNode(ctx, rest[1], {rest.begin() + 2, rest.end()});
  }
  if (cmd == "node" && rest.size() >= 2 && rest[0] == "assign") {
    return assignNode(ctx, rest[1], {rest.begin() + 2, rest.end()});
  }
  if (isServiceCommand(cmd, rest)) return serviceCommand(ctx, cmd, rest);
  if (std::find(kActions.begin(), kActions.end(), cmd) != kActions.end() && rest.size() == 1) {
    return nodeAction(ctx, cmd, rest[0]);
  }
  if (cmd == "cluster" && rest.size() == 2 && rest[0] == "apply") return clusterApply(ctx, rest[1]);
  if (cmd == "cluster" && rest.size() == 1 && rest[0] == "show") return clusterShow(ctx);
  if (cmd == "known-hosts" && rest.empty()) return knownHosts(ctx);
  if (cmd == "vm") return runVmCommand(ctx, rest);
  if (cmd == "power") return runPowerCommand(ctx, rest);
  if (cmd == "boot-device") return runBootDeviceCommand(ctx, rest);
  if (cmd == "bmc") return runBmcCommand(ctx, rest);
  if (cmd == "deploy") return deployCommand(ctx, rest);
  if (cmd == "bgp") return runBgpCommand(ctx, rest);
  if (cmd == "deployments") return deploymentsCommand(ctx, rest);
  if (cmd == "deployment") return deploymentCommand(ctx, rest);
  ctx.err << "photonctl: unknown command or wrong arguments: " << cmd << "\n\n" << usage();
  return 2;
}

}  // namespace photon::ctl
