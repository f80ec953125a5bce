#include "agent/bootstrap/bootstrapper.h"

#include <random>

#include "agent/core/backoff.h"
#include "agent/core/node_certificate.h"
#include "agent/core/node_credentials.h"
#include "agent/core/ssh_host_key.h"
#include "agent/core/state_file.h"
#include "common/error_context.h"
#include "common/json_dump.h"
#include "common/log.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;
using common::Json;

constexpr int kError = static_cast<int>(common::LogLevel::kError);
constexpr int kWarning = static_cast<int>(common::LogLevel::kWarning);
constexpr int kNotice = static_cast<int>(common::LogLevel::kNotice);
constexpr int kInfo = static_cast<int>(common::LogLevel::kInfo);

std::string seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

bool retryable(int status) {
  return status >= 500 || status == 429 || status == 408;
}
}  // namespace

Bootstrapper::Bootstrapper(BootstrapOptions options, MachineFacts machine,
                           common::HttpClient& client, std::string bootstrap_token,
                           ProcessRunner& runner, Sleep sleep, Log log)
    : options_(std::move(options)),
      machine_(std::move(machine)),
      client_(client),
      bootstrap_token_(std::move(bootstrap_token)),
      runner_(runner),
      sleep_(std::move(sleep)),
      log_(std::move(log)) {}

common::Result<Bootstrapper::PhoneHomeAnswer> Bootstrapper::phoneHomeOnce() {
  common::PhoneHomeRequest request;
  request.machine_id = machine_.machine_id;
  request.hostname = machine_.hostname;
  request.facts = machine_.facts;
  // Once this machine is a node, its own token is what proves it is that node: the bootstrap
  // token is in every copy of the ISO and may only enrol a new machine.
  const bool as_node = !node_token_.empty();
  client_.setToken(as_node ? node_token_ : bootstrap_token_);
  PHOTON_TRY(auto response,
             client_.request("POST", "/api/v1/phone-home", common::dumpJson(toJson(request))));
  if (as_node && (response.status == 401 || response.status == 403)) {
    // A token from an earlier life of this machine (retired, re-enrolled): start afresh.
    log_(kNotice, "the saved node token was refused (" + common::describeHttpError(response) +
                      "), phoning home with the bootstrap token");
    node_token_.clear();
    return phoneHomeOnce();
  }
  if (response.status != 200) {
    ErrorCode code = retryable(response.status) ? ErrorCode::kUnavailable : ErrorCode::kInvalid;
    if (response.status == 401 || response.status == 403) code = ErrorCode::kUnauthorized;
    if (response.status == 409) code = ErrorCode::kConflict;
    return fail(code, "coordinator answered " + common::describeHttpError(response));
  }
  Json body = Json::parse(response.body, nullptr, false);
  if (!body.is_object()) return fail(ErrorCode::kUnavailable, "coordinator sent malformed JSON");
  PhoneHomeAnswer answer;
  PHOTON_TRY(answer.node_id, common::readString(body, "node_id", ""));
  PHOTON_TRY(answer.state, common::readString(body, "state", ""));
  PHOTON_TRY(answer.token, common::readString(body, "token", ""));
  if (!isValidNodeId(answer.node_id) || !isValidNodeToken(answer.token)) {
    return fail(ErrorCode::kUnavailable, "coordinator sent a malformed node id or token");
  }
  if (body.contains("install_plan") && !body["install_plan"].is_null()) {
    PHOTON_TRY(answer.plan, common::installPlanFromJson(body["install_plan"], "install_plan"));
  }
  return answer;
}

common::Result<Bootstrapper::PhoneHomeAnswer> Bootstrapper::phoneHomeWithRetries() {
  Backoff backoff(options_.retry_initial, options_.retry_max);
  for (int attempt = 1;; ++attempt) {
    auto answer = phoneHomeOnce();
    if (answer) return answer;
    const auto& error = answer.error();
    // A refused token or an active node will not change by asking again.
    if (error.code != ErrorCode::kUnavailable) return std::unexpected(error.context("phone home"));
    if (options_.max_attempts > 0 && attempt >= options_.max_attempts) {
      return std::unexpected(
          error.context("phone home: gave up after " + std::to_string(attempt) + " attempts"));
    }
    auto delay = backoff.next();
    log_(kWarning, "phone home to " + client_.baseUrl() + " failed (attempt " +
                       std::to_string(attempt) + "): " + error.message + "; retrying in " +
                       seconds(delay));
    sleep_(delay);
  }
}

common::Result<common::InstallPlan> Bootstrapper::waitForPlan(std::string& node_id) {
  std::mt19937_64 random(std::random_device{}());
  // A reboot mid-install: the credentials the last run kept prove who this machine is.
  if (auto saved = loadCredentials(options_.state_dir)) node_token_ = saved->token;
  while (true) {
    PHOTON_TRY(auto answer, phoneHomeWithRetries());
    // Every phone-home rotates the token: keep the newest before anything else.
    auto saved = saveCredentials(options_.state_dir, {answer.node_id, answer.token});
    if (!saved) return std::unexpected(saved.error().context("store the node's credentials"));
    node_token_ = answer.token;
    if (node_id != answer.node_id) {
      log_(kNotice, "machine " + machine_.machine_id + " is node " + answer.node_id + " (" +
                        answer.state + ")");
    }
    node_id = answer.node_id;
    if (answer.plan) return *answer.plan;
    auto delay = jittered(options_.plan_poll_interval, 0.2, random);
    log_(kInfo, "node " + node_id + " is " + answer.state +
                    ", no install plan yet; asking again in " + seconds(delay));
    sleep_(delay);
  }
}

common::Status Bootstrapper::report(const std::string& node_id,
                                    const common::InstallReport& install) {
  const std::string phase(common::toString(install.phase));
  Json body = {{"install", common::toJson(install)},
               {"agent_version", PHOTON_VERSION},
               {"facts_digest", factsDigest(machine_.facts)}};
  client_.setToken(node_token_);
  Backoff backoff(options_.retry_initial, options_.retry_max);
  constexpr int kAttempts = 8;  // a report is worth waiting for, not forever
  for (int attempt = 1;; ++attempt) {
    auto response =
        client_.request("PUT", "/api/v1/nodes/" + node_id + "/observed", common::dumpJson(body));
    std::string problem;
    if (!response) {
      problem = response.error().message;
    } else if (response->status == 200) {
      return {};
    } else if (!retryable(response->status)) {
      return fail(ErrorCode::kInvalid, "report install phase " + phase + ": coordinator answered " +
                                           common::describeHttpError(*response));
    } else {
      problem = common::describeHttpError(*response);
    }
    if (attempt == kAttempts) {
      return fail(ErrorCode::kUnavailable, "report install phase " + phase + ": " + problem);
    }
    auto delay = backoff.next();
    log_(kWarning, "report install phase " + phase + " failed: " + problem + "; retrying in " +
                       seconds(delay));
    sleep_(delay);
  }
}

common::Status Bootstrapper::runSteps(const std::string& node_id, const common::InstallPlan& plan) {
  auto values = placeholderValues(plan, options_.state_dir);
  std::vector<Argv> steps;
  for (const auto& step : options_.steps) {
    auto argv = substitute(step, values);
    if (!argv) {
      // Nothing ran yet: say so to the coordinator, or the node would sit in install-pending.
      std::string message = "install step '" + describeArgv(step) + "': " + argv.error().message;
      common::ignoreError(report(node_id, {common::InstallPhase::kFailed, message}),
                          "report the failed install step", "the step's own error is returned");
      return fail(ErrorCode::kInvalid, message);
    }
    steps.push_back(std::move(*argv));
  }
  PHOTON_CHECK(report(node_id, {common::InstallPhase::kInstalling}));
  for (size_t i = 0; i < steps.size(); ++i) {
    std::string label = "install step " + std::to_string(i + 1) + "/" +
                        std::to_string(steps.size()) + " (" + describeArgv(steps[i]) + ")";
    log_(kNotice, label + ": starting");
    auto started = std::chrono::steady_clock::now();
    auto result = runner_.run(steps[i], options_.step_timeout);
    std::string failure;
    if (!result) {
      failure = label + ": " + result.error().message;
    } else if (!result->ok()) {
      failure = label + ": " + result->status() + "\n" + outputTail(result->output);
    }
    if (!failure.empty()) {
      log_(kError, failure);
      auto reported = report(node_id, {common::InstallPhase::kFailed, failure});
      if (!reported) log_(kError, reported.error().message);
      return fail(ErrorCode::kInternal, failure);
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    log_(kNotice, label + ": done in " + seconds(took));
  }
  return report(node_id, {common::InstallPhase::kInstalled});
}

void Bootstrapper::obtainCertificate(const std::string& node_id) {
  // Approved (it has a plan): the node now gets its own certificate, and from here on proves
  // itself with it rather than with its token alone.
  client_.setToken(node_token_);
  Backoff backoff(options_.retry_initial, options_.retry_max);
  // The node's SSH host key is made here, once, so that its public half travels with the
  // certificate request and photonctl known-hosts can vouch for it before anyone connects.
  std::string host_key;
  if (auto made = ensureSshHostKey(options_.state_dir + "/" + kSshHostKeyFile, "root@" + node_id);
      made) {
    host_key = *made;
  } else {
    log_(kWarning, "SSH host key: " + made.error().message + "; the coordinator records none");
  }
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    auto got = requestNodeCertificate(client_, options_.state_dir, node_id, host_key);
    if (got) {
      auto used = client_.useClientCertificate(options_.state_dir + "/" + kNodeCertFile,
                                               options_.state_dir + "/" + kNodeKeyFile);
      log_(used ? kNotice : kWarning, used ? "node " + node_id + ": client certificate issued"
                                           : "node certificate: " + used.error().message);
      return;
    }
    if (got.error().code == ErrorCode::kForbidden) {
      log_(kInfo, got.error().message + "; going on with the node token");
      return;
    }
    if (attempt >= kAttempts) {
      log_(kWarning, "node certificate: " + got.error().message + "; going on without one");
      return;
    }
    sleep_(backoff.next());
  }
}

common::Result<BootstrapOutcome> Bootstrapper::run() {
  // Before the first phone-home: each one rotates the node token, which must then be kept.
  PHOTON_CHECK_CTX(prepareStateDir(options_.state_dir), "prepare the state directory");
  BootstrapOutcome outcome;
  PHOTON_TRY_CTX(outcome.plan, waitForPlan(outcome.node_id), "wait for the install plan");
  log_(kNotice, "install plan for node " + outcome.node_id + ": hostname " + outcome.plan.hostname +
                    ", address " + outcome.plan.address + ", disk layout " +
                    outcome.plan.disk_layout + ", system " + outcome.plan.system_profile);
  auto saved = writeFileAtomic(options_.state_dir + "/install-plan.json",
                               common::dumpJson(toJson(outcome.plan), 2) + "\n", 0644);
  // The plan is kept for an operator to read; the install needs only the copy in hand.
  if (!saved) log_(kWarning, "keep the install plan: " + saved.error().message + ", ignoring");
  obtainCertificate(outcome.node_id);
  PHOTON_CHECK_CTX(runSteps(outcome.node_id, outcome.plan), "install node " + outcome.node_id);
  return outcome;
}

}  // namespace photon::agent
