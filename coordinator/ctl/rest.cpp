#include "coordinator/ctl/rest.h"

#include <cctype>
#include <cstdio>

#include "common/text.h"
#include "coordinator/ctl/error_text.h"

namespace photon::ctl {
using Json = nlohmann::json;

std::optional<std::string> takeFlag(const std::vector<std::string>& args, size_t& i,
                                    const std::string& name) {
  const std::string& a = args[i];
  if (a == "--" + name && i + 1 < args.size()) return args[++i];
  if (a.starts_with("--" + name + "=")) return a.substr(name.size() + 3);
  return std::nullopt;
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  // Strings a machine supplied (hostnames, facts, errors) reach the operator's terminal: its
  // escape sequences are shown, never run.
  return common::escapeControls(it->is_string() ? it->get<std::string>() : it->dump());
}

std::optional<Json> call(CtlContext& ctx, const std::string& method, const std::string& path,
                         const std::string& body) {
  const std::string who = ctx.command.empty() ? "photonctl: " : "photonctl " + ctx.command + ": ";
  auto res = ctx.client.request(method, path, body);
  if (!res) {
    ctx.err << who << describeUnreachable(path, res.error().message) << "\n";
    return std::nullopt;
  }
  if (res->status < 200 || res->status >= 300) {
    ctx.err << who << common::escapeControls(describeRefusal(method, path, *res)) << "\n";
    return std::nullopt;
  }
  Json j = Json::parse(res->body, nullptr, false);
  if (j.is_discarded()) {
    ctx.err << who << "the coordinator at " << ctx.client.baseUrl()
            << " answered something that is not JSON\n";
    return std::nullopt;
  }
  return j;
}

std::optional<int64_t> number(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(s);
}

std::string urlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

FailoverTimes fetchFailoverTimes(CtlContext& ctx) {
  auto res = ctx.client.request("GET", "/api/v1/cluster", "");
  if (!res || res->status != 200) return {};
  Json j = Json::parse(res->body, nullptr, false);
  return j.is_object() ? failoverTimes(j) : FailoverTimes{};
}

int nodeAction(CtlContext& ctx, const std::string& action, const std::string& id) {
  auto j = call(ctx, "POST", "/api/v1/nodes/" + urlEncode(id) + "/actions/" + action);
  if (!j) return 1;
  ctx.out << (ctx.json_output ? j->dump(2) : id + ": " + action + " -> " + str(*j, "state"))
          << "\n";
  return 0;
}

}  // namespace photon::ctl
