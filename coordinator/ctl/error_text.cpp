#include "coordinator/ctl/error_text.h"

#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

namespace photon::ctl {
namespace {
using Json = nlohmann::json;

// The coordinator's messages are either whole phrases ("no node n-9", "cannot drain a node in
// state active") or what is wrong with the field they name ("is required", "must be an
// object"): those read as a sentence after the field's name.
constexpr std::array<std::string_view, 10> kPredicateStarts = {
    "is ", "are ", "must ", "has ", "have ", "exceeds ", "matches ", "needs ", "does ", "was "};

std::vector<std::string> splitPath(const std::string& path) {
  std::string clean = path.substr(0, path.find('?'));
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= clean.size()) {
    size_t slash = clean.find('/', start);
    if (slash == std::string::npos) slash = clean.size();
    if (slash > start) parts.push_back(clean.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// photonctl URL-encodes names in paths; the message shows them as the operator typed them.
std::string urlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string stringField(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string joinList(const Json& list) {
  std::string out;
  for (const auto& item : list) {
    if (!item.is_string()) continue;
    out += (out.empty() ? "" : ", ") + item.get<std::string>();
  }
  return out;
}

// What one failed attempt's httplib error kind means, in words.
std::string transportFailure(const std::string& kind) {
  if (kind == "Connection") return "the connection was refused or the host could not be reached";
  if (kind == "ConnectionTimeout") return "connecting timed out";
  if (kind == "Read") return "no answer came (the connection broke or the read timed out)";
  if (kind == "Write") return "sending the request failed";
  if (kind == "SSLConnection") {
    return "the TLS handshake failed (if it serves plain HTTP, use an http:// URL)";
  }
  if (kind == "SSLServerVerification") {
    return "TLS verification failed: its certificate is not from a trusted CA or does not name "
           "that host";
  }
  if (kind == "SSLLoadingCerts") return "the trusted CA certificates could not be loaded";
  if (kind == "Canceled") return "the request was cancelled";
  return kind;
}
}  // namespace

RequestTarget targetOf(const std::string& method, const std::string& path) {
  auto parts = splitPath(path);
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1") return {method + " " + path, ""};
  const std::string& kind = parts[2];
  auto name = [&](size_t i) { return urlDecode(parts[i]); };
  if (kind == "cluster") return {"the declaration", ""};
  static const std::vector<std::pair<std::string, std::string>> kSingular = {
      {"nodes", "node"}, {"services", "service"}, {"vms", "VM"}, {"deployments", "deployment"}};
  for (const auto& [plural, singular] : kSingular) {
    if (kind != plural) continue;
    if (parts.size() == 3) {
      return {method == "POST" ? "the new " + singular : "the " + singular + " list", ""};
    }
    std::string noun = singular + " " + name(3);
    if (parts.size() == 4) return {noun, ""};
    if (parts.size() == 6 && parts[4] == "actions") return {noun, name(5)};
    if (parts.size() == 5 && method == "POST") return {noun, name(4)};  // deployments/ID/cancel
    return {"the " + name(4) + " of " + noun, ""};
  }
  return {method + " " + path, ""};
}

std::string errorSentence(const std::string& error, const std::string& field) {
  if (field.empty() || error.empty()) return error;
  std::string where = field == "body" ? "the request body" : "field '" + field + "'";
  for (auto start : kPredicateStarts) {
    if (error.starts_with(start)) return where + " " + error;
  }
  if (error.find(field) != std::string::npos) return error;
  return where + ": " + error;
}

std::string describeRefusal(const std::string& method, const std::string& path,
                            const common::HttpResponse& response) {
  auto target = targetOf(method, path);
  Json body = Json::parse(response.body, nullptr, false);
  std::string error, field;
  Json allowed;
  if (body.is_object()) {
    error = stringField(body, "error");
    field = stringField(body, "field");
    if (body.contains("allowed") && body["allowed"].is_array()) allowed = body["allowed"];
  } else if (!response.body.empty()) {
    error = response.body.substr(0, 200);
  }
  // With `allowed` the field is the action the operator just named: no news.
  std::string sentence = allowed.is_array() ? error : errorSentence(error, field);
  auto with = [&](std::string head) { return sentence.empty() ? head : head + ": " + sentence; };
  std::string doing = target.verb.empty() ? target.noun : "to " + target.verb + " " + target.noun;
  int status = response.status;
  if (status == 401) {
    return with("the coordinator did not accept the token") +
           " (check --token-file or PHOTON_TOKEN_FILE)";
  }
  if (status == 403) return with("the token may not be used for " + target.noun);
  if (status == 404)
    return error.empty() ? "the coordinator has no " + target.noun : "not found: " + error;
  if (status >= 400 && status < 500) {
    std::string text = with("the coordinator refused " + doing);
    if (allowed.is_array() && !allowed.empty()) text += "; allowed now: " + joinList(allowed);
    return text;
  }
  if (status >= 500) {
    return with("the coordinator failed on " + target.noun + " (HTTP " + std::to_string(status) +
                ")");
  }
  return with("the coordinator answered HTTP " + std::to_string(status) + " for " + target.noun);
}

std::string describeUnreachable(const std::string& path, const std::string& client_error) {
  // "GET http://a:7480/api/v1/nodes: Connection; GET http://b:7480/api/v1/nodes: Read"
  std::vector<std::pair<std::string, std::string>> attempts;  // URL, what failed
  size_t start = 0;
  while (start < client_error.size()) {
    size_t end = client_error.find("; ", start);
    std::string one =
        client_error.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t space = one.find(' ');
    size_t colon = one.rfind(": ");
    if (space != std::string::npos && colon != std::string::npos && colon > space) {
      std::string url = one.substr(space + 1, colon - space - 1);
      std::string clean_path = path.substr(0, path.find('?'));
      size_t at = url.find(clean_path);
      if (!clean_path.empty() && at != std::string::npos) url = url.substr(0, at);
      attempts.emplace_back(url, transportFailure(one.substr(colon + 2)));
    } else {
      attempts.emplace_back("", one);
    }
    if (end == std::string::npos) break;
    start = end + 2;
  }
  std::string text;
  if (attempts.size() == 1) {
    const auto& [url, what] = attempts.front();
    text = url.empty() ? "cannot reach the coordinator: " + what
                       : "cannot reach the coordinator at " + url + ": " + what;
  } else {
    text = "cannot reach any coordinator:";
    for (size_t i = 0; i < attempts.size(); ++i) {
      text += (i == 0 ? " " : "; ") + attempts[i].first + ": " + attempts[i].second;
    }
  }
  return text +
         ". Is it running there? The URL comes from --coordinator or PHOTON_COORDINATOR "
         "(default http://127.0.0.1:7480).";
}

}  // namespace photon::ctl
