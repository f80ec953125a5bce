// photonctl's error messages as sentences an operator can act on without knowing the API: what
// could not be done to what, in the coordinator's words, and what to check. Pure functions of
// the request and what came back, so each wording is tested with hand-made input.
#pragma once

#include <string>

#include "common/http_client.h"

namespace photon::ctl {

// What a request is about, from its method and path: "the declaration", "node n-1" with the
// verb "drain" for POST /api/v1/nodes/n-1/actions/drain.
struct RequestTarget {
  std::string noun;
  std::string verb;  // empty: the request reads or writes the noun itself
};
RequestTarget targetOf(const std::string& method, const std::string& path);

// A coordinator's {"error", "field"} as a sentence: "field 'name' is required".
std::string errorSentence(const std::string& error, const std::string& field);

// A 4xx or 5xx answer: "the coordinator refused the declaration: field 'name' is required".
std::string describeRefusal(const std::string& method, const std::string& path,
                            const common::HttpResponse& response);

// A request that got no answer. `client_error` is HttpClient's transport error text, one
// "METHOD URL: Kind" per coordinator tried, joined by "; ". Says what failed, where, and which
// setting names the coordinator.
std::string describeUnreachable(const std::string& path, const std::string& client_error);

}  // namespace photon::ctl
