// A small HTTP client over cpp-httplib: bearer token, timeouts, errors as values. Given several
// base URLs (several coordinators), a call goes to the one that answered last and fails over to
// the next when that one cannot be reached.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace httplib {
class Client;
}

namespace photon::common {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& lower_name) const;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds read_timeout{10000};
  std::string ca_file;  // for https:// with a private CA (else the system's CAs)
  // A node's own certificate and key (issued by the coordinator's CA), for TLS client auth.
  std::string client_cert_file;
  std::string client_key_file;
  bool keep_alive = true;
};

// "http://a:7480,http://b:7480" -> the URLs, each starting with http:// or https://, without a
// trailing slash; kInvalid naming `field` otherwise.
Result<std::vector<std::string>> splitUrlList(const std::string& list, const std::string& field);

class HttpClient {
 public:
  // `base_url` is "http://host:port" or "https://host:port", or several of them comma-separated.
  static Result<std::unique_ptr<HttpClient>> create(const std::string& base_url,
                                                    HttpClientOptions options = {});
  ~HttpClient();

  void setToken(std::string token) { token_ = std::move(token); }
  // From the next call on, present this client certificate (the node's, once issued). Not
  // while a call is in flight on another thread.
  [[nodiscard]] Status useClientCertificate(const std::string& cert_file,
                                            const std::string& key_file);
  // Aborts a request in flight on another thread (a long-poll at shutdown); that request fails
  // as a transport error and the client stays usable.
  void cancel();
  // The URL that answered last.
  const std::string& baseUrl() const { return urls_[current_.load()]; }

  // A transport failure is an error; any HTTP status is a response. With several URLs a call
  // that could not reach one goes to the next; one that may have reached it (a read error) is
  // sent again only when repeating it is harmless (GET, HEAD, PUT, DELETE).
  Result<HttpResponse> request(const std::string& method, const std::string& path,
                               const std::string& body = {},
                               const std::map<std::string, std::string>& headers = {});
  // Like request(), with a read timeout for this call only (long-poll).
  Result<HttpResponse> request(const std::string& method, const std::string& path,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers,
                               std::chrono::milliseconds read_timeout);

 private:
  HttpClient(std::vector<std::string> urls, std::vector<std::unique_ptr<httplib::Client>> clients,
             HttpClientOptions options);

  std::vector<std::string> urls_;
  std::vector<std::unique_ptr<httplib::Client>> clients_;
  std::atomic<size_t> current_{0};
  HttpClientOptions options_;
  std::string token_;
};

// The {"error", "field"} body of a failed call as one line: "409 node is active (field: state)".
std::string describeHttpError(const HttpResponse& response);

}  // namespace photon::common
