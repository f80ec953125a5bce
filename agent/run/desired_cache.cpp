#include "agent/run/desired_cache.h"

#include "agent/core/digest.h"
#include "agent/core/state_file.h"
#include "common/json_dump.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;
using common::Json;
}  // namespace

std::string encodeDesiredCache(const Json& document) {
  std::string dump = common::dumpJson(document);
  return common::dumpJson(Json{{"sha256", sha256Hex(dump)}, {"document", document}}) + "\n";
}

common::Result<Json> decodeDesiredCache(std::string_view text) {
  Json envelope = Json::parse(text, nullptr, false);
  if (envelope.is_discarded() || !envelope.is_object()) {
    return fail(ErrorCode::kInvalid, "not a JSON object");
  }
  if (!envelope.contains("sha256") || !envelope["sha256"].is_string() ||
      !envelope.contains("document") || !envelope["document"].is_object()) {
    return fail(ErrorCode::kInvalid, "sha256 or document missing");
  }
  // nlohmann's dump is canonical (sorted keys, fixed number format), so it re-creates the
  // bytes the checksum was taken over.
  const Json& document = envelope["document"];
  if (sha256Hex(common::dumpJson(document)) != envelope["sha256"].get<std::string>()) {
    return fail(ErrorCode::kInvalid, "checksum mismatch");
  }
  return document;
}

common::Status saveDesiredCache(const std::string& path, const Json& document) {
  return writeFileAtomic(path, encodeDesiredCache(document), 0600);
}

common::Result<std::optional<Json>> loadDesiredCache(const std::string& path) {
  auto text = readFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::optional<Json>();
    return std::unexpected(text.error());
  }
  auto document = decodeDesiredCache(*text);
  if (!document) return std::unexpected(document.error().context(path + " is corrupt"));
  return std::optional<Json>(std::move(*document));
}

}  // namespace photon::agent
