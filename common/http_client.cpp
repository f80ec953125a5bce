#include "common/http_client.h"

#include <httplib.h>

#include "common/http_transport.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace photon::common {
namespace {
TransportOptions transportOptions(const HttpClientOptions& o) {
  return TransportOptions{o.connect_timeout,  o.read_timeout,    o.ca_file,
                          o.client_cert_file, o.client_key_file, o.keep_alive};
}
}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

Result<std::vector<std::string>> splitUrlList(const std::string& list, const std::string& field) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    std::string url =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!url.empty()) {
      if (!url.starts_with("http://") && !url.starts_with("https://")) {
        return invalid(field, "'" + url + "' must start with http:// or https://");
      }
      out.push_back(std::move(url));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) return invalid(field, "needs at least one URL");
  if (out.size() > 16) return invalid(field, "at most 16 URLs");
  return out;
}

Result<std::unique_ptr<HttpClient>> HttpClient::create(const std::string& base_url,
                                                       HttpClientOptions options) {
  PHOTON_TRY(auto urls, splitUrlList(base_url, "url"));
  std::vector<std::unique_ptr<httplib::Client>> clients;
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return invalid("client-cert", "a client certificate and its key go together");
  }
  for (const auto& url : urls) {
    auto client = makeTransport(url, transportOptions(options));
    if (!client->is_valid()) return invalid("url", "'" + url + "' is not a usable URL");
    clients.push_back(std::move(client));
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(urls), std::move(clients), options));
}

HttpClient::HttpClient(std::vector<std::string> urls,
                       std::vector<std::unique_ptr<httplib::Client>> clients,
                       HttpClientOptions options)
    : urls_(std::move(urls)), clients_(std::move(clients)), options_(options) {}

HttpClient::~HttpClient() = default;

Status HttpClient::useClientCertificate(const std::string& cert_file, const std::string& key_file) {
  HttpClientOptions next = options_;
  next.client_cert_file = cert_file;
  next.client_key_file = key_file;
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (const auto& url : urls_) {
    auto client = makeTransport(url, transportOptions(next));
    if (!client->is_valid()) return invalid("client-cert", "cannot use " + cert_file);
    clients.push_back(std::move(client));
  }
  clients_ = std::move(clients);
  options_ = next;
  return {};
}

void HttpClient::cancel() {
  for (auto& client : clients_) client->stop();
}

Result<HttpResponse> HttpClient::request(const std::string& method, const std::string& path,
                                         const std::string& body,
                                         const std::map<std::string, std::string>& headers) {
  return request(method, path, body, headers, options_.read_timeout);
}

Result<HttpResponse> HttpClient::request(const std::string& method, const std::string& path,
                                         const std::string& body,
                                         const std::map<std::string, std::string>& headers,
                                         std::chrono::milliseconds read_timeout) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  for (const auto& [k, v] : headers) req.headers.emplace(k, v);
  if (!token_.empty()) req.headers.emplace("Authorization", "Bearer " + token_);
  if (!body.empty() || method == "PUT" || method == "POST" || method == "PATCH") {
    req.body = body;
    req.headers.emplace("Content-Type", "application/json");
  }
  const bool repeatable =
      method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE";
  const size_t first = current_.load();
  std::string failures;
  for (size_t attempt = 0; attempt < clients_.size(); ++attempt) {
    size_t index = (first + attempt) % clients_.size();
    auto& client = *clients_[index];
    client.set_read_timeout(read_timeout);
    auto result = client.send(req);
    client.set_read_timeout(options_.read_timeout);
    if (!result) {
      failures += (failures.empty() ? "" : "; ") + method + " " + urls_[index] + path + ": " +
                  describeTransportError(result.error(), urls_[index], transportOptions(options_));
      bool never_sent = requestNeverSent(result.error());
      if (result.error() == httplib::Error::Canceled || (!never_sent && !repeatable)) break;
      continue;
    }
    current_ = index;
    HttpResponse out;
    out.status = result->status;
    out.body = std::move(result->body);
    for (const auto& [k, v] : result->headers) {
      std::string lower = k;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out.headers[lower] = v;
    }
    return out;
  }
  // Start with the next one next time.
  size_t expected = first;
  current_.compare_exchange_strong(expected, (first + 1) % clients_.size());
  return fail(ErrorCode::kUnavailable, failures);
}

std::string describeHttpError(const HttpResponse& response) {
  std::string text = std::to_string(response.status);
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    text += " " + j["error"].get<std::string>();
    if (j.contains("field") && j["field"].is_string() && !j["field"].get<std::string>().empty()) {
      text += " (field: " + j["field"].get<std::string>() + ")";
    }
    if (j.contains("allowed") && j["allowed"].is_array()) {
      text += " (allowed: " + j["allowed"].dump() + ")";
    }
  } else if (!response.body.empty()) {
    text += " " + response.body.substr(0, 200);
  }
  return text;
}

}  // namespace photon::common
