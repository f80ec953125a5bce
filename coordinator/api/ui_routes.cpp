// Serves the embedded console. A file is found by its exact name in the embedded table, never
// by a path on disk, so no request can reach outside it ("..", "%2e%2e", "a/b" are 404). Every
// answer carries a strict Content-Security-Policy (no inline script, no eval, nothing but this
// origin), is never framed and never sniffed: whatever a machine reports that the console
// shows can only ever be text.
#include "coordinator/api/ui_routes.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "coordinator/api/ui_assets.h"

namespace photon::coordinator {
namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct Served {
  std::string_view bytes;
  std::string content_type;
  std::string etag;
};

std::string contentTypeOf(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

// FNV-1a: an ETag that changes with the bytes (not a security property).
std::string etagOf(std::string_view bytes) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

const std::unordered_map<std::string, Served>& servedFiles() {
  static const auto files = [] {
    std::unordered_map<std::string, Served> out;
    for (const UiAsset& asset : uiAssets()) {
      out.emplace(std::string(asset.name),
                  Served{asset.bytes, contentTypeOf(asset.name), etagOf(asset.bytes)});
    }
    return out;
  }();
  return files;
}

void securityHeaders(HttpResponse& res) {
  res.setHeader("Content-Security-Policy", kContentSecurityPolicy);
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}

void serveFile(const HttpRequest& req, HttpResponse& res, const std::string& name) {
  securityHeaders(res);
  const auto& files = servedFiles();
  auto it = files.find(name);
  if (it == files.end()) {
    sendError(res, 404, "no such console file", "path");
    return;
  }
  // The names carry no content hash, so a browser revalidates each time: a 304 costs a round
  // trip but never serves a console older than its coordinator.
  res.setHeader("Cache-Control", "no-cache");
  res.setHeader("ETag", it->second.etag);
  if (req.header("If-None-Match") == it->second.etag) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.setContent(std::string(it->second.bytes), it->second.content_type);
}

void redirectToConsole(HttpResponse& res) {
  securityHeaders(res);
  res.status = 308;
  res.setHeader("Location", "/ui/");
  res.setContent("", "text/plain; charset=utf-8");
}
}  // namespace

void registerUiRoutes(Router& router) {
  // "/ui" and "/ui/" are one route to the router: the console's relative URLs need the slash.
  router.get("/ui", [](const HttpRequest& req, HttpResponse& res) {
    if (req.path.ends_with("/")) {
      serveFile(req, res, "index.html");
    } else {
      redirectToConsole(res);
    }
  });
  router.get("/ui/{file}", [](const HttpRequest& req, HttpResponse& res) {
    serveFile(req, res, req.pathParam("file"));
  });
  router.get("/", [](const HttpRequest&, HttpResponse& res) { redirectToConsole(res); });
}

}  // namespace photon::coordinator
