#include "agent/bgp/bird_commands.h"

#include <filesystem>
#include <set>
#include <thread>

#include "agent/core/state_file.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;
using Clock = std::chrono::steady_clock;

constexpr int kReconfigured = 3;
constexpr int kReconfigurationInProgress = 4;
constexpr int kReconfigurationConfirmed = 18;
constexpr int kNothingToDo = 19;
constexpr int kConfigurationOk = 20;
constexpr auto kPollInterval = std::chrono::milliseconds(50);

std::set<std::string> establishedSessions(const std::vector<BirdProtocol>& protocols) {
  std::set<std::string> out;
  for (const auto& p : protocols) {
    if (isEstablishedBgp(p)) out.insert(p.name);
  }
  return out;
}

// Sessions that were up and still exist must be up again; a session the new config removed or
// one that was already down does not hold the change back.
common::Status waitForSessions(BirdControl& bird, const std::set<std::string>& before,
                               std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  std::string missing;
  while (true) {
    PHOTON_TRY(auto now, showProtocols(bird));
    missing.clear();
    for (const auto& p : now) {
      if (before.count(p.name) && !isEstablishedBgp(p)) {
        missing += (missing.empty() ? "" : ", ") + p.name;
      }
    }
    if (missing.empty()) return {};
    if (Clock::now() >= deadline) {
      return fail(ErrorCode::kUnavailable, "sessions " + missing + " not back within " +
                                               std::to_string(wait.count()) + " ms");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace

common::Result<std::vector<BirdProtocol>> showProtocols(BirdControl& bird) {
  PHOTON_TRY(auto reply, bird.command("show protocols all"));
  return parseProtocols(reply);
}

common::Result<std::vector<BirdRoute>> showRoutes(BirdControl& bird, const std::string& args) {
  PHOTON_TRY(auto reply, bird.command(args.empty() ? "show route all" : "show route all " + args));
  return parseRoutes(reply);
}

common::Status applyBirdConfig(BirdControl& bird, const BirdApplyOptions& options,
                               const std::string& text) {
  if (options.config_path.find('"') != std::string::npos) {
    return fail(ErrorCode::kInvalid, "BIRD config path holds a '\"'");
  }
  const std::string next = options.config_path + ".new";
  // 0600: the config may hold TCP MD5 passwords.
  PHOTON_CHECK(writeFileAtomic(next, text, 0600));
  auto discard = [&] {
    std::error_code ec;
    std::filesystem::remove(next, ec);
  };

  PHOTON_TRY(auto check, bird.command("configure check \"" + next + "\""));
  if (check.code != kConfigurationOk) {
    discard();
    return fail(ErrorCode::kInvalid, "BIRD refused the configuration: " + check.message());
  }

  PHOTON_TRY(auto before, showProtocols(bird));
  auto up = establishedSessions(before);
  // The undo timer outlives our wait, so a change that breaks the sessions undoes itself even
  // when the agent dies halfway.
  auto undo_after =
      std::chrono::duration_cast<std::chrono::seconds>(options.confirm_wait + options.undo_margin)
          .count();
  PHOTON_TRY(auto configured,
             bird.command("configure \"" + next + "\" timeout " + std::to_string(undo_after)));
  if (configured.code != kReconfigured && configured.code != kReconfigurationInProgress) {
    discard();
    return fail(ErrorCode::kUnavailable, "configure: " + configured.message());
  }
  if (auto s = waitForSessions(bird, up, options.confirm_wait); !s) {
    discard();
    return std::unexpected(
        s.error().context("not confirmed, BIRD undoes it in " + std::to_string(undo_after) + " s"));
  }
  PHOTON_TRY(auto confirmed, bird.command("configure confirm"));
  if (confirmed.code != kReconfigurationConfirmed && confirmed.code != kNothingToDo) {
    return fail(ErrorCode::kUnavailable, "configure confirm: " + confirmed.message());
  }
  std::error_code ec;
  std::filesystem::rename(next, options.config_path, ec);
  if (ec) return fail(ErrorCode::kInternal, "rename " + next + ": " + ec.message());
  return {};
}

}  // namespace photon::agent
