// What the edge hands a request to once it has read and bounded it: the api's Router in the
// coordinator. An interface, so that the edge links nothing of the api above it.
#pragma once

#include "coordinator/edge/http_types.h"

namespace photon::coordinator {

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Answers `req` into `res` (or holds it: res.hold).
  virtual void dispatch(HttpRequest& req, HttpResponse& res) const = 0;
  // Whether a request is served from memory and may run on an I/O thread; the rest (writes to
  // the store, which wait for a disk or a quorum) run on the worker pool.
  virtual bool answersInline(const HttpRequest& req) const = 0;
};

}  // namespace photon::coordinator
