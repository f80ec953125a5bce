#include "coordinator/edge/http_types.h"

#include <strings.h>

#include <cctype>

namespace photon::coordinator {
namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls `visit(name, raw_value)` for each "name=value" of a query string.
template <typename Visit>
void forEachQueryPair(std::string_view query, Visit visit) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    auto eq = part.find('=');
    // Only the first '=' separates: "label=rack=r2" is the parameter label with value rack=r2.
    std::string_view name = part.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    if (!name.empty() && !visit(percentDecode(name, true), value)) return;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

std::string percentDecode(std::string_view text, bool plus_is_space) {
  // Most segments and values hold nothing to decode (a node's id in every agent's poll).
  if (text.find_first_of(plus_is_space ? std::string_view("%+") : std::string_view("%")) ==
      std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
        hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string_view HttpRequest::headerView(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (sameName(n, name)) return v;
  }
  return {};
}

bool HttpRequest::hasParam(const std::string& name) const {
  bool found = false;
  forEachQueryPair(query, [&](const std::string& n, std::string_view) {
    found = n == name;
    return !found;
  });
  return found;
}

std::string HttpRequest::param(const std::string& name) const {
  std::string value;
  forEachQueryPair(query, [&](const std::string& n, std::string_view raw) {
    if (n != name) return true;
    value = percentDecode(raw, true);
    return false;
  });
  return value;
}

std::vector<std::string> HttpRequest::params(const std::string& name) const {
  std::vector<std::string> values;
  forEachQueryPair(query, [&](const std::string& n, std::string_view raw) {
    if (n == name) values.push_back(percentDecode(raw, true));
    return true;
  });
  return values;
}

std::string HttpRequest::pathParam(const std::string& name) const {
  for (const auto& [n, v] : path_params) {
    if (n == name) return v;
  }
  return {};
}

void HttpResponse::setHeader(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (sameName(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

void HttpResponse::setContent(std::string content, std::string type) {
  body = std::move(content);
  content_type = std::move(type);
}

}  // namespace photon::coordinator
