// JSON answers and the {"error", "field"} body every failure has: for the api's handlers and for
// what the edge answers itself (431, 413, …).
#pragma once

#include <string>

#include "common/json_fields.h"
#include "common/result.h"
#include "coordinator/edge/http_types.h"

namespace photon::coordinator {

void sendJson(HttpResponse& res, int status, const common::Json& body);
void sendError(HttpResponse& res, const common::Error& error);
void sendError(HttpResponse& res, int status, const std::string& message, const std::string& field);

}  // namespace photon::coordinator
