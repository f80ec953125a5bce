// The run loop in-process against a real coordinator, with a small reconciler made for the test
// (the domains are not wired in here): converging, bad documents, outages and restarts.
#include <catch2/catch.hpp>

#include <thread>

#include "agent/core/node_credentials.h"
#include "agent/core/state_file.h"
#include "agent/run/run_loop.h"
#include "tests/agent/agent_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using photon::test::CoordinatorFixture;
using photon::test::TempDir;
using photon::test::waitUntil;
using namespace std::chrono_literals;
using common::Json;

namespace {
// Owns "units": refuses a section with "bad" in it, records every section it is handed.
class RecordingReconciler final : public agent::Reconciler {
 public:
  std::string section() const override { return "units"; }
  common::Status validate(const Json& section) const override {
    if (!section.is_object()) return common::invalid("", "must be an object");
    if (section.contains("bad")) return common::invalid("bad", "is not allowed");
    return {};
  }
  Json reconcile(const Json& section) override {
    std::lock_guard lock(mutex_);
    ++calls_;
    last_ = section;
    seen_.push_back(section);
    return {{"applied", section}};
  }
  void shutdown() override { shut_down_ = true; }

  int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  Json last() const {
    std::lock_guard lock(mutex_);
    return last_;
  }
  bool sawAny(const std::function<bool(const Json&)>& pred) const {
    std::lock_guard lock(mutex_);
    for (const auto& s : seen_) {
      if (pred(s)) return true;
    }
    return false;
  }
  std::atomic<bool> shut_down_{false};

 private:
  mutable std::mutex mutex_;
  int calls_ = 0;
  Json last_;
  std::vector<Json> seen_;
};

struct Enrolled {
  std::string id;
  std::string token;
};

Enrolled enroll(CoordinatorFixture& c, int n = 1) {
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(n));
  REQUIRE(r.status == 200);
  return {r.body["node_id"].get<std::string>(), r.body["token"].get<std::string>()};
}

// The loop on a thread of its own, stopped and joined whatever happens to the test.
struct LoopHarness {
  std::mutex url_mutex;
  std::string url;
  RecordingReconciler* reconciler = nullptr;
  std::unique_ptr<agent::RunLoop> loop;
  std::thread thread;
  std::mutex log_mutex;
  std::string log;

  std::string logText() {
    std::lock_guard lock(log_mutex);
    return log;
  }

  LoopHarness(const std::string& coordinator_url, const std::string& state_dir,
              agent::RunOptions options)
      : url(coordinator_url) {
    options.state_dir = state_dir;
    auto r = std::make_unique<RecordingReconciler>();
    reconciler = r.get();
    std::vector<std::unique_ptr<agent::Reconciler>> reconcilers;
    reconcilers.push_back(std::move(r));
    agent::Connect connect = [this, state_dir]() -> common::Result<agent::Connection> {
      agent::Connection c;
      PHOTON_TRY(c.credentials, agent::loadCredentials(state_dir));
      std::lock_guard lock(url_mutex);
      PHOTON_TRY(c.client, common::HttpClient::create(
                               url, {.connect_timeout = 500ms, .read_timeout = 2000ms}));
      c.facts_digest = "digest";
      return c;
    };
    loop = std::make_unique<agent::RunLoop>(
        options, connect, std::move(reconcilers), [this](int level, const std::string& line) {
          std::lock_guard lock(log_mutex);
          log += "<" + std::to_string(level) + ">" + line + "\n";
        });
  }
  void start() {
    REQUIRE(loop->start());
    thread = std::thread([this] { loop->run(); });
  }
  void setUrl(const std::string& u) {
    std::lock_guard lock(url_mutex);
    url = u;
  }
  ~LoopHarness() {
    loop->stop();
    if (thread.joinable()) thread.join();
  }
};

agent::RunOptions fastOptions() {
  agent::RunOptions o;
  o.poll_interval = 100ms;
  o.retry_initial = 50ms;
  o.retry_max = 200ms;
  o.request_timeout = 2000ms;
  return o;
}

Json observedOf(CoordinatorFixture& c, const std::string& id) {
  return c.admin("GET", "/api/v1/nodes/" + id + "/observed").body.value("observed", Json());
}

int64_t setUnits(CoordinatorFixture& c, const std::string& id, const Json& units) {
  auto r = c.admin("PUT", "/api/v1/nodes/" + id + "/desired/units", units);
  REQUIRE(r.status == 200);
  return r.body["revision"].get<int64_t>();
}
}  // namespace

TEST_CASE("run loop: a desired change is reconciled and reported as observed", "[agent]") {
  CoordinatorFixture c;
  TempDir state;
  auto node = enroll(c);
  REQUIRE(agent::saveCredentials(state.path(), {node.id, node.token}));
  LoopHarness h(c.url(), state.path(), fastOptions());
  h.start();

  // Nothing desired yet: the reconciler is told "no section" and the revision is reported.
  REQUIRE(waitUntil([&] { return observedOf(c, node.id).contains("desired_revision"); }, 5s));
  CHECK(h.reconciler->last().is_null());
  Json first = observedOf(c, node.id);
  CHECK(first["agent_version"] == PHOTON_VERSION);
  CHECK(first["facts_digest"] == "digest");
  CHECK(first["last_error"] == "");

  int64_t revision = setUnits(c, node.id, {{"web", {{"replicas", 2}}}});
  REQUIRE(waitUntil([&] { return observedOf(c, node.id).value("desired_revision", 0) == revision; },
                    5s));
  Json observed = observedOf(c, node.id);
  CHECK(observed["domains"]["units"]["applied"] == Json{{"web", {{"replicas", 2}}}});
  CHECK(h.loop->reportedRevision() == revision);

  // The accepted document is on disk for the next start.
  auto cached = agent::readFile(state.file("desired.json"));
  REQUIRE(cached);
  CHECK(cached->find("replicas") != std::string::npos);
}

TEST_CASE("run loop: a document that does not validate is refused whole", "[agent]") {
  CoordinatorFixture c;
  TempDir state;
  auto node = enroll(c);
  REQUIRE(agent::saveCredentials(state.path(), {node.id, node.token}));
  LoopHarness h(c.url(), state.path(), fastOptions());
  h.start();
  int64_t good = setUnits(c, node.id, {{"web", {{"replicas", 1}}}});
  REQUIRE(waitUntil([&] { return h.loop->reportedRevision() == good; }, 5s));

  int64_t bad = setUnits(c, node.id, {{"bad", true}});
  REQUIRE(waitUntil([&] { return observedOf(c, node.id).value("last_error", "") != ""; }, 5s));
  Json observed = observedOf(c, node.id);
  std::string error = observed["last_error"];
  CHECK(error.find("desired revision " + std::to_string(bad) + " refused") != std::string::npos);
  CHECK(error.find("units.bad: is not allowed") != std::string::npos);
  CHECK(observed["desired_revision"] == good);  // the previous one keeps running
  CHECK(observed["domains"]["units"]["applied"] == Json{{"web", {{"replicas", 1}}}});
  CHECK_FALSE(h.reconciler->sawAny([](const Json& s) { return s.contains("bad"); }));

  // A valid revision clears the error.
  int64_t fixed = setUnits(c, node.id, {{"web", {{"replicas", 3}}}});
  REQUIRE(
      waitUntil([&] { return observedOf(c, node.id).value("desired_revision", 0) == fixed; }, 5s));
  CHECK(observedOf(c, node.id)["last_error"] == "");
}

TEST_CASE("run loop: coordinator down keeps the last state, a restarted one is reported to",
          "[agent]") {
  TempDir data;
  TempDir state;
  auto c = std::make_unique<CoordinatorFixture>(data.file("coordinator"));
  auto node = enroll(*c);
  REQUIRE(agent::saveCredentials(state.path(), {node.id, node.token}));
  LoopHarness h(c->url(), state.path(), fastOptions());
  h.start();
  Json units = {{"db", {{"replicas", 1}}}};
  int64_t revision = setUnits(*c, node.id, units);
  REQUIRE(waitUntil([&] { return h.loop->reportedRevision() == revision; }, 5s));

  c.reset();  // the coordinator is gone; its SQLite file stays
  REQUIRE(waitUntil([&] { return !h.loop->reachable(); }, 5s));
  int before = h.reconciler->calls();
  REQUIRE(waitUntil([&] { return h.reconciler->calls() >= before + 3; }, 5s));
  CHECK(h.reconciler->last() == units);  // still reconciling the last state, never torn down
  CHECK(h.loop->appliedRevision() == revision);
  CHECK(h.loop->statusLine().find("unreachable") != std::string::npos);

  // A new coordinator on the same data: another port, so the agent is pointed at it (SIGHUP in
  // the program; requestReload here).
  c = std::make_unique<CoordinatorFixture>(data.file("coordinator"));
  h.setUrl(c->url());
  h.loop->requestReload();
  REQUIRE(waitUntil([&] { return h.loop->reachable(); }, 5s));
  Json changed = {{"db", {{"replicas", 2}}}};
  int64_t next = setUnits(*c, node.id, changed);
  CHECK(next > revision);
  REQUIRE(
      waitUntil([&] { return observedOf(*c, node.id).value("desired_revision", 0) == next; }, 5s));
  CHECK(observedOf(*c, node.id)["domains"]["units"]["applied"] == changed);
}

TEST_CASE("run loop: a restart with the coordinator down runs the document from disk", "[agent]") {
  TempDir state;
  Json units = {{"cache", {{"replicas", 1}}}};
  {
    CoordinatorFixture c;
    auto node = enroll(c);
    REQUIRE(agent::saveCredentials(state.path(), {node.id, node.token}));
    LoopHarness h(c.url(), state.path(), fastOptions());
    h.start();
    int64_t revision = setUnits(c, node.id, units);
    REQUIRE(waitUntil([&] { return h.loop->reportedRevision() == revision; }, 5s));
  }
  // Agent and coordinator both gone; the agent comes back first. It asks the coordinator for
  // the grace first (a node back from the dead must not start what was failed over meanwhile).
  auto options = fastOptions();
  options.disk_grace = 1500ms;
  LoopHarness h("http://127.0.0.1:1", state.path(), options);
  h.start();
  std::this_thread::sleep_for(500ms);
  CHECK(h.reconciler->calls() == 0);
  REQUIRE(waitUntil([&] { return h.reconciler->calls() >= 2; }, 5s));
  CHECK(h.reconciler->last() == units);
  CHECK_FALSE(h.loop->reachable());
}

TEST_CASE("run loop: a corrupt cache is ignored, not applied", "[agent]") {
  CoordinatorFixture c;
  TempDir state;
  auto node = enroll(c);
  REQUIRE(agent::saveCredentials(state.path(), {node.id, node.token}));
  state.write("desired.json", R"({"sha256": "00", "document": {"units": {"evil": {}}}})");
  LoopHarness h(c.url(), state.path(), fastOptions());
  h.start();
  REQUIRE(waitUntil([&] { return h.loop->reportedRevision() >= 0; }, 5s));
  CHECK(h.logText().find("<3>desired state cache: " + state.file("desired.json") +
                         " is corrupt: checksum mismatch, ignoring it") != std::string::npos);
  // The coordinator's document replaces it on disk.
  auto cached = agent::readFile(state.file("desired.json"));
  REQUIRE(cached);
  CHECK(cached->find("evil") == std::string::npos);
  CHECK_FALSE(h.reconciler->sawAny([](const Json& s) { return s.contains("evil"); }));
}

TEST_CASE("run loop: long-poll answers a change at once, and stop cuts a poll short", "[agent]") {
  CoordinatorFixture c;
  TempDir state;
  auto node = enroll(c);
  REQUIRE(agent::saveCredentials(state.path(), {node.id, node.token}));
  auto options = fastOptions();
  options.poll_interval = 20s;  // without long-poll a change would wait this long
  options.long_poll = 10s;
  LoopHarness h(c.url(), state.path(), options);
  h.start();
  REQUIRE(waitUntil([&] { return h.loop->reportedRevision() >= 0; }, 5s));
  std::this_thread::sleep_for(300ms);  // the loop is now parked in a long-poll

  auto changed_at = std::chrono::steady_clock::now();
  int64_t revision = setUnits(c, node.id, {{"api", {{"replicas", 1}}}});
  REQUIRE(waitUntil([&] { return h.loop->reportedRevision() == revision; }, 5s));
  CHECK(std::chrono::steady_clock::now() - changed_at < 3s);

  std::this_thread::sleep_for(300ms);
  auto stop_at = std::chrono::steady_clock::now();
  h.loop->stop();
  h.thread.join();
  CHECK(std::chrono::steady_clock::now() - stop_at < 2s);
  CHECK(h.reconciler->shut_down_);
}
