#include "coordinator/ctl/deploy_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "coordinator/ctl/rest.h"
#include "coordinator/ctl/table.h"

namespace photon::ctl {
namespace {
using Json = nlohmann::json;

bool isFinal(const std::string& state) {
  return state == "succeeded" || state == "failed" || state == "cancelled";
}

// "applied 3, updating 2, pending 5"
std::string countsText(const Json& progress) {
  std::string out;
  for (const auto& [status, count] : progress["by_status"].items()) {
    if (!out.empty()) out += ", ";
    out += status + " " + count.dump();
  }
  return out;
}

std::string progressBar(const Json& d, int width) {
  int total = d["progress"].value("total", 0), done = d["progress"].value("done", 0);
  int filled = total > 0 ? done * width / total : width;
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " +
         std::to_string(done) + "/" + std::to_string(total);
}

void printNodes(CtlContext& ctx, const Json& d) {
  std::vector<std::vector<std::string>> rows = {{"NODE", "STATUS", "REVERT", "SECONDS", "REASON"}};
  for (const auto& n : d["nodes"]) {
    int64_t started = n.value("started_at", int64_t{0}),
            finished = n.value("finished_at", int64_t{0});
    rows.push_back({str(n, "id"), str(n, "status"), str(n, "revert"),
                    started && finished ? std::to_string(finished - started) : "-",
                    str(n, "reason").substr(0, 100)});
  }
  ctx.out << renderTable(rows);
}

// Follows a deployment until it ends (or `bound` passes); returns its last state.
std::optional<Json> follow(CtlContext& ctx, const std::string& id, std::chrono::milliseconds poll,
                           std::chrono::seconds bound) {
  const bool tty = &ctx.out == &std::cout && isatty(STDOUT_FILENO) && !ctx.json_output;
  const auto deadline = std::chrono::steady_clock::now() + bound;
  std::string last_line;
  // A coordinator restart resumes the deployment; following it survives one too.
  const auto kUnreachableFor = std::chrono::seconds(60);
  auto reachable_at = std::chrono::steady_clock::now();
  while (true) {
    auto d = call(ctx, "GET", "/api/v1/deployments/" + id);
    if (!d) {
      if (std::chrono::steady_clock::now() - reachable_at > kUnreachableFor ||
          std::chrono::steady_clock::now() >= deadline) {
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::max(poll, std::chrono::milliseconds(1000)));
      continue;
    }
    reachable_at = std::chrono::steady_clock::now();
    std::string state = str(*d, "state");
    std::string line =
        id + " " + state + " " + progressBar(*d, 30) + "  " + countsText((*d)["progress"]);
    if (tty) {
      ctx.out << "\r\033[K" << line << std::flush;
    } else if (line != last_line && !ctx.json_output) {
      ctx.out << line << "\n" << std::flush;
    }
    last_line = line;
    if (isFinal(state)) {
      if (tty) ctx.out << "\n";
      return d;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (tty) ctx.out << "\n";
      ctx.err << "photonctl: stopped following " << id << " after " << bound.count()
              << " s; it is still " << state << "\n";
      return std::nullopt;
    }
    std::this_thread::sleep_for(poll);
  }
}

// Exit code of a finished deployment: 0 only when it succeeded.
int report(CtlContext& ctx, const Json& d) {
  if (ctx.json_output) {
    ctx.out << d.dump(2) << "\n";
  } else {
    printNodes(ctx, d);
    ctx.out << str(d, "id") << ": " << str(d, "state")
            << (str(d, "reason").empty() ? "" : " (" + str(d, "reason") + ")") << "\n";
  }
  return str(d, "state") == "succeeded" ? 0 : 1;
}

}  // namespace

std::string deployUsage() {
  return R"(  deploy SYSTEM [--pool P] [--class C] [--label k=v] [--node ID]...
         [--max-parallel N] [--confirm-within S] [--node-timeout S] [--mode switch|boot|test]
         [--substituter URL]... [--trusted-key K]... [--no-require-sigs] [--no-auto-revert]
         [--health '{"units": [...], "http": [...], "tcp": [...], "exec": [[...]]}']
         [--reboot when-required|always|never] [--reboot-timeout S]
         [--no-wait] [--poll-ms MS]
                                                roll SYSTEM out; exits non-zero unless every
                                                node applied it. --reboot (default
                                                when-required with --mode boot, else never):
                                                drain, reboot and undrain each node whose new
                                                kernel needs it, health-gated
  deployments                                   list deployments, newest first
  deployment show|cancel ID                     one deployment's nodes; stop a running one
)";
}

int deployCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0].starts_with("--")) {
    ctx.err << "photonctl deploy: the system store path comes first\n" << deployUsage();
    return 2;
  }
  Json body = {{"system", args[0]}, {"selector", Json::object()}};
  bool wait = true;
  int64_t poll_ms = 1000;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::optional<std::string> value;
    if (i + 1 < args.size()) value = args[i + 1];
    auto numeric = [&](const char* field) {
      auto n = value ? number(*value) : std::nullopt;
      if (n) body[field] = *n;
      return n.has_value();
    };
    bool ok = true, takes_value = true;
    if (a == "--pool" && value)
      body["selector"]["pool"] = *value;
    else if (a == "--class" && value)
      body["selector"]["class"] = *value;
    else if (a == "--node" && value)
      body["selector"]["nodes"].push_back(*value);
    else if (a == "--label" && value && value->find('=') != std::string::npos) {
      auto eq = value->find('=');
      body["selector"]["labels"][value->substr(0, eq)] = value->substr(eq + 1);
    } else if (a == "--max-parallel")
      ok = numeric("max_parallel");
    else if (a == "--confirm-within")
      ok = numeric("confirm_within_s");
    else if (a == "--node-timeout")
      ok = numeric("node_timeout_s");
    else if (a == "--mode" && value)
      body["mode"] = *value;
    else if (a == "--reboot" && value)
      body["reboot"] = *value;
    else if (a == "--reboot-timeout")
      ok = numeric("reboot_timeout_s");
    else if (a == "--substituter" && value)
      body["substituters"].push_back(*value);
    else if (a == "--trusted-key" && value)
      body["trusted_public_keys"].push_back(*value);
    else if (a == "--health" && value) {
      body["health"] = Json::parse(*value, nullptr, false);
      ok = !body["health"].is_discarded();
    } else if (a == "--poll-ms") {
      auto n = value ? number(*value) : std::nullopt;
      ok = n.has_value();
      if (n) poll_ms = std::clamp<int64_t>(*n, 50, 60000);
    } else {
      takes_value = false;
      if (a == "--no-auto-revert")
        body["auto_revert"] = false;
      else if (a == "--no-require-sigs")
        body["require_sigs"] = false;
      else if (a == "--no-wait")
        wait = false;
      else
        ok = false;
    }
    if (!ok) {
      ctx.err << "photonctl deploy: bad or incomplete argument '" << a << "'\n" << deployUsage();
      return 2;
    }
    if (takes_value) ++i;
  }
  auto created = call(ctx, "POST", "/api/v1/deployments", body.dump());
  if (!created) return 1;
  std::string id = str(*created, "id");
  if (!ctx.json_output) {
    ctx.out << "deployment " << id << ": " << args[0] << " on "
            << (*created)["progress"].value("total", 0) << " node(s)";
    int skipped = (*created)["progress"]["by_status"].value("skipped", 0);
    if (skipped > 0) ctx.out << ", " << skipped << " skipped";
    ctx.out << "\n";
  }
  if (!wait) {
    if (ctx.json_output) ctx.out << created->dump(2) << "\n";
    return 0;
  }
  // The rollout ends by itself (each node has node_timeout_s); this bound is only a backstop.
  int64_t timeout = created->value("node_timeout_s", int64_t{720});
  // A rebooted node takes three more steps (drain, come back, health gate), each bounded.
  if (created->value("reboot", std::string("never")) != "never") {
    timeout += 3 * created->value("reboot_timeout_s", int64_t{0});
  }
  int64_t nodes = static_cast<int64_t>((*created)["nodes"].size());
  auto bound = std::chrono::seconds(std::min<int64_t>(timeout * 2 * (nodes + 1) + 60, 7 * 86400));
  auto d = follow(ctx, id, std::chrono::milliseconds(poll_ms), bound);
  if (!d) return 1;
  return report(ctx, *d);
}

int deploymentsCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) {
    ctx.err << "photonctl deployments: takes no arguments\n";
    return 2;
  }
  auto j = call(ctx, "GET", "/api/v1/deployments");
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "STATE", "PROGRESS", "SECONDS", "SYSTEM"}};
  for (const auto& d : (*j)["deployments"]) {
    rows.push_back(
        {str(d, "id"), str(d, "state"), progressBar(d, 10), str(d, "elapsed_s"), str(d, "system")});
  }
  ctx.out << renderTable(rows);
  return 0;
}

int deploymentCommand(CtlContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2 || (args[0] != "show" && args[0] != "cancel")) {
    ctx.err << "photonctl deployment: show ID or cancel ID\n";
    return 2;
  }
  std::string path = "/api/v1/deployments/" + urlEncode(args[1]);
  auto d = args[0] == "show" ? call(ctx, "GET", path) : call(ctx, "POST", path + "/cancel");
  if (!d) return 1;
  if (ctx.json_output) {
    ctx.out << d->dump(2) << "\n";
    return 0;
  }
  printNodes(ctx, *d);
  ctx.out << str(*d, "id") << ": " << str(*d, "state") << " " << progressBar(*d, 30)
          << (str(*d, "reason").empty() ? "" : " (" + str(*d, "reason") + ")") << "\n";
  return 0;
}

}  // namespace photon::ctl
