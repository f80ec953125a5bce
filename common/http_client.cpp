#include "common/http_client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace photon::common {

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

Result<std::unique_ptr<HttpClient>> HttpClient::create(const std::string& base_url,
                                                       HttpClientOptions options) {
  if (!base_url.starts_with("http://") && !base_url.starts_with("https://")) {
    return invalid("url", "'" + base_url + "' must start with http:// or https://");
  }
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto client = std::make_unique<httplib::Client>(url);
  if (!client->is_valid()) return invalid("url", "'" + base_url + "' is not a usable URL");
  client->set_tcp_nodelay(true);  // Debian's build leaves Nagle on: 40 ms per small request
  client->set_keep_alive(options.keep_alive);
  client->set_connection_timeout(options.connect_timeout);
  client->set_read_timeout(options.read_timeout);
  client->set_write_timeout(options.read_timeout);
  if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file.c_str());
  return std::unique_ptr<HttpClient>(new HttpClient(url, std::move(client), options));
}

HttpClient::HttpClient(std::string base_url, std::unique_ptr<httplib::Client> client,
                       HttpClientOptions options)
    : base_url_(std::move(base_url)), client_(std::move(client)), options_(options) {}

HttpClient::~HttpClient() = default;

void HttpClient::cancel() { client_->stop(); }

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
  client_->set_read_timeout(read_timeout);
  auto result = client_->send(req);
  client_->set_read_timeout(options_.read_timeout);
  if (!result) {
    return fail(ErrorCode::kUnavailable, method + " " + base_url_ + path + ": " +
                                             httplib::to_string(result.error()));
  }
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
