#include "agent/nixos/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "agent/core/state_file.h"
#include "common/json_dump.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;
using common::Json;

common::Result<Phase> parsePhase(const std::string& name) {
  for (Phase p : {Phase::kRealising, Phase::kSwitching, Phase::kConfirming, Phase::kRollingBack}) {
    if (phaseName(p) == name) return p;
  }
  return common::invalid("phase", "unknown phase " + name);
}

common::Result<std::optional<Json>> loadJson(const std::string& path) {
  auto text = readFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::optional<Json>();
    return std::unexpected(text.error());
  }
  Json parsed = Json::parse(*text, nullptr, false);
  if (parsed.is_discarded()) return fail(ErrorCode::kInternal, path + ": malformed JSON");
  return std::optional<Json>(std::move(parsed));
}
}  // namespace

std::string phaseName(Phase phase) {
  switch (phase) {
    case Phase::kRealising:
      return "realising";
    case Phase::kSwitching:
      return "switching";
    case Phase::kConfirming:
      return "confirming";
    case Phase::kRollingBack:
      return "rolling-back";
  }
  return "realising";
}

Json toJson(const Journal& j) {
  Json out = {{"id", j.id},
              {"phase", phaseName(j.phase)},
              {"spec", toJson(j.spec)},
              {"previous_system", j.previous_system},
              {"deadline_ms", j.deadline_ms},
              {"reason", j.reason}};
  if (j.previous) {
    out["previous_generation"] = {{"number", j.previous->number}, {"system", j.previous->system}};
  }
  return out;
}

common::Result<Journal> journalFromJson(const Json& json) {
  PHOTON_CHECK(common::requireObject(json, "journal"));
  Journal j;
  PHOTON_TRY(j.id, common::readInt(json, "id", "journal", 0, INT64_MAX));
  PHOTON_TRY(std::string phase, common::readString(json, "phase", "journal"));
  PHOTON_TRY(j.phase, parsePhase(phase));
  PHOTON_TRY(Json spec, common::readObject(json, "spec", "journal"));
  PHOTON_TRY(j.spec, parseSystemSpec(spec));
  PHOTON_TRY(j.previous_system, common::readString(json, "previous_system", "journal", ""));
  PHOTON_TRY(j.deadline_ms, common::readInt(json, "deadline_ms", "journal", 0, INT64_MAX, 0));
  PHOTON_TRY(j.reason, common::readString(json, "reason", "journal", ""));
  PHOTON_TRY(Json prev, common::readObject(json, "previous_generation", "journal"));
  if (!prev.empty()) {
    Generation g;
    PHOTON_TRY(g.number,
               common::readInt(prev, "number", "journal.previous_generation", 1, INT64_MAX));
    PHOTON_TRY(g.system, common::readString(prev, "system", "journal.previous_generation"));
    j.previous = g;
  }
  return j;
}

Json toJson(const Outcome& o) {
  return {{"activation_id", o.activation_id},
          {"outcome", common::toString(o.outcome)},
          {"system", o.system},
          {"previous_system", o.previous_system},
          {"deployment", o.deployment},
          {"generation", o.generation},
          {"reason", o.reason},
          {"timings",
           {{"realise_ms", o.timings.realise_ms},
            {"profile_ms", o.timings.profile_ms},
            {"switch_ms", o.timings.switch_ms},
            {"health_ms", o.timings.health_ms},
            {"rollback_ms", o.timings.rollback_ms},
            {"total_ms", o.timings.total_ms}}}};
}

common::Result<Outcome> outcomeFromJson(const Json& json) {
  PHOTON_CHECK(common::requireObject(json, "outcome"));
  Outcome o;
  PHOTON_TRY(o.activation_id, common::readInt(json, "activation_id", "outcome", 0, INT64_MAX, 0));
  PHOTON_TRY(o.outcome, common::readEnum<common::ActivationOutcome>(json, "outcome", "outcome"));
  PHOTON_TRY(o.system, common::readString(json, "system", "outcome"));
  PHOTON_TRY(o.previous_system, common::readString(json, "previous_system", "outcome", ""));
  PHOTON_TRY(o.deployment, common::readString(json, "deployment", "outcome", ""));
  PHOTON_TRY(o.generation, common::readInt(json, "generation", "outcome", 0, INT64_MAX, 0));
  PHOTON_TRY(o.reason, common::readString(json, "reason", "outcome", ""));
  PHOTON_TRY(Json t, common::readObject(json, "timings", "outcome"));
  const std::string tp = "outcome.timings";
  PHOTON_TRY(o.timings.realise_ms, common::readInt(t, "realise_ms", tp, 0, INT64_MAX, 0));
  PHOTON_TRY(o.timings.profile_ms, common::readInt(t, "profile_ms", tp, 0, INT64_MAX, 0));
  PHOTON_TRY(o.timings.switch_ms, common::readInt(t, "switch_ms", tp, 0, INT64_MAX, 0));
  PHOTON_TRY(o.timings.health_ms, common::readInt(t, "health_ms", tp, 0, INT64_MAX, 0));
  PHOTON_TRY(o.timings.rollback_ms, common::readInt(t, "rollback_ms", tp, 0, INT64_MAX, 0));
  PHOTON_TRY(o.timings.total_ms, common::readInt(t, "total_ms", tp, 0, INT64_MAX, 0));
  return o;
}

NixosState::NixosState(std::string state_dir)
    : journal_path_(state_dir + "/nixos-journal.json"),
      outcome_path_(state_dir + "/nixos-outcome.json") {}

common::Result<std::optional<Journal>> NixosState::loadJournal() const {
  PHOTON_TRY(auto json, loadJson(journal_path_));
  if (!json) return std::optional<Journal>();
  auto j = journalFromJson(*json);
  if (!j) return std::unexpected(j.error().context(journal_path_));
  return std::optional<Journal>(std::move(*j));
}

common::Status NixosState::saveJournal(const Journal& journal) const {
  return writeFileAtomic(journal_path_, common::dumpJson(toJson(journal), 2) + "\n", 0600);
}

common::Status NixosState::removeJournal() const {
  if (::unlink(journal_path_.c_str()) != 0 && errno != ENOENT) {
    return fail(ErrorCode::kInternal, "remove " + journal_path_ + ": " + std::strerror(errno));
  }
  // The removal must be durable before the node acts on the next desired state.
  std::string dir = std::filesystem::path(journal_path_).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return {};
}

common::Result<std::optional<Outcome>> NixosState::loadOutcome() const {
  PHOTON_TRY(auto json, loadJson(outcome_path_));
  if (!json) return std::optional<Outcome>();
  auto o = outcomeFromJson(*json);
  if (!o) return std::unexpected(o.error().context(outcome_path_));
  return std::optional<Outcome>(std::move(*o));
}

common::Status NixosState::saveOutcome(const Outcome& outcome) const {
  return writeFileAtomic(outcome_path_, common::dumpJson(toJson(outcome), 2) + "\n", 0600);
}

}  // namespace photon::agent
