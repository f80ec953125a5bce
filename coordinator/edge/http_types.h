// The coordinator's own request and response: what a route handler sees and writes. The HTTP
// library (Boost.Beast, in http_server.cpp) fills and reads them, so the handlers, the router
// and their tests never include it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace photon::coordinator {

// The client certificate that the TLS edge verified against the client CA, if any.
struct PeerCertificate {
  std::string common_name;
  std::string serial_hex;  // upper-case hex, as OpenSSL prints it
};

// What an earlier request on the same kept-alive connection proved about its caller, so that an
// agent's next poll skips hashing and looking up the same token (a third of a 304's work). The
// api fills and checks it (coordinator/api/auth.cpp); the edge keeps one per connection, never
// shares it across connections and never reads it.
struct ProvenCaller {
  std::string authorization;      // the Authorization header that proved it; empty: nothing yet
  int role = -1;                  // the api's Caller::Role
  std::string node_id;            // for a node
  uint64_t token_generation = 0;  // the inventory's token generation it was proved at
};

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string path;    // the target before '?', percent-decoded per segment by the router
  std::string query;   // after '?', raw
  // In arrival order, one entry per name: the values of a repeated header joined with ", "
  // (RFC 9110 5.3). A flat list: a request has a handful, and a map costs a node each.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Filled by the router from the route's "{name}" segments.
  std::vector<std::pair<std::string, std::string>> path_params;
  std::optional<PeerCertificate> peer;  // only over TLS with a verified client certificate
  ProvenCaller* proven = nullptr;       // the connection's, see ProvenCaller; null: none kept

  // A header's value (names compare without regard to case); empty when absent. The view
  // lives as long as the request.
  std::string_view headerView(std::string_view name) const;
  std::string header(std::string_view name) const { return std::string(headerView(name)); }
  bool hasParam(const std::string& name) const;
  // The first value of a query parameter, percent-decoded; empty when absent.
  std::string param(const std::string& name) const;
  // Every value of a query parameter, percent-decoded ("label=a=b&label=c=d").
  std::vector<std::string> params(const std::string& name) const;
  std::string pathParam(const std::string& name) const;
};

struct HttpResponse;

// A long-poll: instead of answering now, the server parks the request (no thread held) until
// `key` changes in the store or `timeout` passes, then calls `answer` for the response.
struct LongPoll {
  std::string key;
  // At most one held request per holder (a node): a newer one releases the older at once.
  std::string holder;
  std::chrono::milliseconds timeout{0};
  // Whether the key already moved since the handler looked (checked once the request is
  // parked, so that a change between the handler's read and the parking is not lost).
  std::function<bool()> changed;
  std::function<void(HttpResponse&)> answer;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<LongPoll> hold;  // set: answer later, see LongPoll

  void setHeader(std::string name, std::string value);
  void setContent(std::string body, std::string content_type);
};

// "%2F" and friends decoded; '+' kept as it is unless `plus_is_space` (query strings).
std::string percentDecode(std::string_view text, bool plus_is_space);

}  // namespace photon::coordinator
