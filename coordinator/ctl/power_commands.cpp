#include "coordinator/ctl/power_commands.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "common/text.h"
#include "coordinator/ctl/rest.h"
#include "coordinator/ctl/table.h"

namespace photon::ctl {
namespace {
using Json = nlohmann::json;

struct WaitFlags {
  bool wait = true;
  int64_t timeout_s = 60;
  bool refresh = false;
};

// The flags after the positional words; false (and a message) on a wrong one.
bool parseWaitFlags(CtlContext& ctx, const std::vector<std::string>& args, size_t from,
                    WaitFlags& flags) {
  for (size_t i = from; i < args.size(); ++i) {
    std::optional<std::string> v;
    if (args[i] == "--no-wait") {
      flags.wait = false;
    } else if (args[i] == "--refresh") {
      flags.refresh = true;
    } else if ((v = takeFlag(args, i, "timeout"))) {
      auto n = number(*v);
      if (!n || *n < 1 || *n > 3600) {
        ctx.err << "photonctl " << ctx.command << ": --timeout must be 1-3600 seconds\n";
        return false;
      }
      flags.timeout_s = *n;
    } else {
      ctx.err << "photonctl " << ctx.command << ": unknown argument '" << args[i]
              << "' (--no-wait, --timeout S)\n";
      return false;
    }
  }
  return true;
}

// Long-polls the node's power status until operation `op` is in its history, or the timeout.
std::optional<Json> awaitOperation(CtlContext& ctx, const std::string& node, const std::string& op,
                                   int64_t timeout_s) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int64_t since = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto left =
        std::chrono::duration_cast<std::chrono::seconds>(until - std::chrono::steady_clock::now());
    int64_t wait = std::clamp<int64_t>(left.count(), 1, 30);
    auto j = call(ctx, "GET",
                  "/api/v1/nodes/" + urlEncode(node) + "/power?wait=" + std::to_string(wait) +
                      "&since=" + std::to_string(since));
    if (!j) return std::nullopt;
    for (const auto& h : (*j)["history"]) {
      if (str(h, "id") == op) return h;
    }
    since = j->value("revision", int64_t{0});
  }
  ctx.err << "photonctl " << ctx.command << ": operation " << op << " on " << node
          << " not finished after " << timeout_s << " s (see photonctl power status " << node
          << ")\n";
  return std::nullopt;
}

// POSTs one operation and, unless --no-wait, waits for its outcome and prints it.
int operate(CtlContext& ctx, const std::string& node, const std::string& path, const Json& body,
            const WaitFlags& flags) {
  auto queued = call(ctx, "POST", "/api/v1/nodes/" + urlEncode(node) + path, body.dump());
  if (!queued) return 1;
  std::string op = str(*queued, "operation");
  if (!flags.wait) {
    ctx.out << (ctx.json_output
                    ? queued->dump(2)
                    : node + ": " + str(*queued, "op") + " queued (operation " + op + ")")
            << "\n";
    return 0;
  }
  auto done = awaitOperation(ctx, node, op, flags.timeout_s);
  if (!done) return 1;
  bool ok = str(*done, "result") == "ok";
  if (ctx.json_output) {
    ctx.out << done->dump(2) << "\n";
  } else if (ok) {
    ctx.out << node << ": " << str(*done, "op") << " done in " << str(*done, "took_ms") << " ms\n";
  } else {
    ctx.err << "photonctl " << ctx.command << ": " << node << ": " << str(*done, "op")
            << " failed: " << common::escapeControls(str(*done, "error")) << "\n";
  }
  return ok ? 0 : 1;
}

int showStatus(CtlContext& ctx, const std::string& node) {
  auto j = call(ctx, "GET", "/api/v1/nodes/" + urlEncode(node) + "/power");
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"power:", str(*j, "state")},
      {"checked at:", str(*j, "checked_at")},
  };
  if (!str(*j, "error").empty())
    rows.push_back({"error:", common::escapeControls(str(*j, "error"))});
  for (const auto& q : (*j)["queued"])
    rows.push_back({"queued:", str(q, "op") + " (" + str(q, "reason") + ")"});
  for (const auto& h : (*j)["history"]) {
    std::string line = str(h, "op") + " (" + str(h, "reason") + ") " + str(h, "result") + " in " +
                       str(h, "took_ms") + " ms";
    if (!str(h, "error").empty()) line += ": " + common::escapeControls(str(h, "error"));
    rows.push_back({"history:", line});
  }
  ctx.out << renderTable(rows);
  return 0;
}

std::optional<std::string> readFile(CtlContext& ctx, const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  if (!in || !(ss << in.rdbuf())) {
    ctx.err << "photonctl " << ctx.command << ": cannot read " << path << "\n";
    return std::nullopt;
  }
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

int bmcSet(CtlContext& ctx, const std::string& node, const std::vector<std::string>& args) {
  Json body = Json::object();
  for (size_t i = 0; i < args.size(); ++i) {
    std::optional<std::string> v;
    bool matched = false;
    for (const char* flag :
         {"driver", "address", "username", "scheme", "system-id", "installer", "ca-file"}) {
      if ((v = takeFlag(args, i, flag))) {
        std::string key = flag;
        std::replace(key.begin(), key.end(), '-', '_');
        body[key] = *v;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if ((v = takeFlag(args, i, "port"))) {
      auto n = number(*v);
      if (!n || *n > 65535) {
        ctx.err << "photonctl bmc set: --port must be 1-65535\n";
        return 2;
      }
      body["port"] = *n;
    } else if ((v = takeFlag(args, i, "password-file"))) {
      // Read here, where the operator is; the coordinator keeps it as a secret.
      auto pw = readFile(ctx, *v);
      if (!pw) return 1;
      body["password"] = *pw;
    } else if ((v = takeFlag(args, i, "coordinator-password-file"))) {
      body["password_file"] = *v;  // a file on the coordinator's host
    } else if (args[i] == "--insecure-tls") {
      body["insecure_tls"] = true;
    } else {
      ctx.err << "photonctl bmc set: unknown argument '" << args[i] << "'\n";
      return 2;
    }
  }
  auto j = call(ctx, "PUT", "/api/v1/nodes/" + urlEncode(node) + "/bmc", body.dump());
  if (!j) return 1;
  ctx.out << (ctx.json_output
                  ? j->dump(2)
                  : "bmc of " + node + ": " + str(*j, "driver") + " " + str(*j, "address") +
                        ", password " + ((*j).value("password_set", false) ? "set" : "not set"))
          << "\n";
  return 0;
}

}  // namespace

std::string powerColumn(const Json& node) {
  auto it = node.find("power");
  if (it == node.end() || !it->is_object()) return "-";
  std::string state = str(*it, "state");
  std::string column = str(*it, "error").empty() ? state : state + "!";
  // A lifecycle step the BMC failed is what the operator must act on: said in the column.
  auto step = node.find("power_step");
  if (step != node.end() && step->is_object() && str(*step, "result") == "failed") {
    column += " (" + str(*step, "action") + " failed)";
  }
  return column;
}

std::string powerStepText(const Json& step, const std::string& node) {
  std::string text = str(step, "action") + ": " + str(step, "result");
  if (str(step, "result") == "failed") {
    text += " at " + str(step, "op") + ": " + common::escapeControls(str(step, "error")) +
            " (retry: photonctl power retry " + node + ")";
  }
  return text;
}

namespace {
// POST .../power/retry: the failed lifecycle step queued again; unless --no-wait, each of its
// operations awaited and its outcome printed.
int retryStep(CtlContext& ctx, const std::string& node, const WaitFlags& flags) {
  auto queued = call(ctx, "POST", "/api/v1/nodes/" + urlEncode(node) + "/power/retry", "{}");
  if (!queued) return 1;
  if (!flags.wait) {
    ctx.out << (ctx.json_output ? queued->dump(2)
                                : node + ": " + str(*queued, "action") + " power step queued again")
            << "\n";
    return 0;
  }
  bool ok = true;
  Json outcomes = Json::array();
  for (const auto& op : (*queued)["operations"]) {
    auto done = awaitOperation(ctx, node, op.get<std::string>(), flags.timeout_s);
    if (!done) return 1;
    outcomes.push_back(*done);
    if (str(*done, "result") != "ok") {
      ok = false;
      if (!ctx.json_output) {
        ctx.err << "photonctl power retry: " << node << ": " << str(*done, "op")
                << " failed: " << common::escapeControls(str(*done, "error")) << "\n";
      }
    } else if (!ctx.json_output) {
      ctx.out << node << ": " << str(*done, "op") << " done in " << str(*done, "took_ms")
              << " ms\n";
    }
  }
  if (ctx.json_output) ctx.out << outcomes.dump(2) << "\n";
  return ok ? 0 : 1;
}
}  // namespace

int runPowerCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    ctx.err << powerUsage();
    return 2;
  }
  const std::string& action = args[0];
  const std::string& node = args[1];
  WaitFlags flags;
  if (!parseWaitFlags(ctx, args, 2, flags)) return 2;
  if (action == "status" && !flags.refresh) return showStatus(ctx, node);
  if (action == "retry") return retryStep(ctx, node, flags);
  if (action != "on" && action != "off" && action != "cycle" && action != "soft" &&
      action != "status") {
    ctx.err << "photonctl power: unknown action '" << action
            << "' (on, off, cycle, soft, status, retry)\n";
    return 2;
  }
  return operate(ctx, node, "/power", Json{{"action", action}}, flags);
}

int runBootDeviceCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    ctx.err << powerUsage();
    return 2;
  }
  WaitFlags flags;
  if (!parseWaitFlags(ctx, args, 2, flags)) return 2;
  return operate(ctx, args[0], "/boot-device", Json{{"device", args[1]}}, flags);
}

int runBmcCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (args.size() >= 2 && args[0] == "set")
    return bmcSet(ctx, args[1], {args.begin() + 2, args.end()});
  if (args.size() == 2 && args[0] == "show") {
    auto j = call(ctx, "GET", "/api/v1/nodes/" + urlEncode(args[1]) + "/bmc");
    if (!j) return 1;
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  if (args.size() == 2 && args[0] == "delete") {
    auto j = call(ctx, "DELETE", "/api/v1/nodes/" + urlEncode(args[1]) + "/bmc");
    if (!j) return 1;
    ctx.out << (ctx.json_output ? j->dump(2) : "bmc of " + args[1] + " deleted") << "\n";
    return 0;
  }
  ctx.err << powerUsage();
  return 2;
}

std::string powerUsage() {
  return R"(  power on|off|cycle|soft NODE [--no-wait] [--timeout S]
                                                switch a node through its BMC, wait for the outcome
  power status NODE [--refresh]                 power state, last error, history (--refresh: ask the BMC now)
  power retry NODE [--no-wait]                  queue the node's failed lifecycle power step again
                                                (reprovision, rescue, retire), wait for its outcome
  boot-device NODE pxe|cdrom|disk               the next boot only
  bmc set NODE --driver ipmi|redfish --address A [--port P] --username U
      [--password-file F (read here, kept as a secret) | --coordinator-password-file F]
      [--system-id ID] [--scheme https|http] [--insecure-tls] [--ca-file F] [--installer cdrom|pxe]
  bmc show|delete NODE                          (the password is never shown)
)";
}

}  // namespace photon::ctl
