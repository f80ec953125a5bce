#include "agent/nixos/reboot.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/core/state_file.h"
#include "common/json_dump.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;
using common::Json;
}  // namespace

Json toJson(const RebootRecord& r) {
  return {{"token", r.token},
          {"boot_id", r.boot_id},
          {"requested_at_ms", r.requested_at_ms},
          {"health", r.health}};
}

common::Result<RebootRecord> rebootRecordFromJson(const Json& json) {
  PHOTON_CHECK(common::requireObject(json, "reboot"));
  RebootRecord r;
  PHOTON_TRY(r.token, common::readString(json, "token", "reboot"));
  PHOTON_TRY(r.boot_id, common::readString(json, "boot_id", "reboot"));
  PHOTON_TRY(r.requested_at_ms,
             common::readInt(json, "requested_at_ms", "reboot", 0, INT64_MAX, 0));
  PHOTON_TRY(r.health, common::readString(json, "health", "reboot", ""));
  return r;
}

RebootAction planReboot(const std::string& token, const std::string& boot_id,
                        const std::optional<RebootRecord>& record) {
  if (token.empty()) return RebootAction::kNothing;
  if (!record || record->token != token) return RebootAction::kReboot;
  // Without a boot id to tell boots apart, one request is all a token gets: waiting forever is
  // safer than rebooting forever.
  if (boot_id.empty() || record->boot_id.empty()) return RebootAction::kDone;
  return record->boot_id == boot_id ? RebootAction::kWait : RebootAction::kDone;
}

RebootState::RebootState(const std::string& state_dir) : path_(state_dir + "/nixos-reboot.json") {}

common::Result<std::optional<RebootRecord>> RebootState::load() const {
  auto text = readFile(path_);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::optional<RebootRecord>();
    return std::unexpected(text.error());
  }
  Json parsed = Json::parse(*text, nullptr, false);
  if (parsed.is_discarded()) return fail(ErrorCode::kInternal, path_ + ": malformed JSON");
  auto record = rebootRecordFromJson(parsed);
  if (!record) return std::unexpected(record.error().context(path_));
  return std::optional<RebootRecord>(std::move(*record));
}

common::Status RebootState::save(const RebootRecord& record) const {
  return writeFileAtomic(path_, common::dumpJson(toJson(record), 2) + "\n", 0600);
}

common::Status RebootState::remove() const {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return fail(ErrorCode::kInternal, "remove " + path_ + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace photon::agent
