// Power: what dead BMCs cost other nodes' power operations. Four live BMCs (OpenIPMI's ipmi_sim)
// get one operation each per round, ten rounds, through the coordinator's PowerManager (its
// default 8 workers, a 2 s deadline); the time from submit to outcome is measured alone and
// beside BMCs that never answer — UDP ports that swallow RMCP+ (IPMI) and TCP listeners that
// accept and stall (Redfish) — kept busy for the whole run: twenty polled, then three and then
// eight asked for operations at once. Run: scripts/bench 45-power (docs/benchmarks.md).
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "coordinator/power/power_manager.h"
#include "tests/coordinator/power/ipmi_sim.h"

using namespace photon::coordinator::power;
using photon::test::IpmiSim;
using photon::test::SilentBmc;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Outcomes by operation id, with the time each arrived.
struct Outcomes {
  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::string, std::pair<PowerOutcome, Clock::time_point>> by_id;

  void add(const PowerOutcome& o) {
    std::lock_guard lock(mutex);
    by_id[o.job.id] = {o, Clock::now()};
    cv.notify_all();
  }
  bool waitFor(const std::vector<std::string>& ids, milliseconds timeout) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [&] {
      return std::all_of(ids.begin(), ids.end(),
                         [&](const auto& id) { return by_id.contains(id); });
    });
  }
};

void report(const char* what, std::vector<double> v, int failed) {
  std::sort(v.begin(), v.end());
  std::printf("%-46s n=%zu median=%.0f ms p90=%.0f ms max=%.0f ms failed=%d\n", what, v.size(),
              v[v.size() / 2], v[v.size() * 9 / 10], v.back(), failed);
}

}  // namespace

int main() {
  constexpr int kLive = 4, kRounds = 10;
  std::vector<std::unique_ptr<IpmiSim>> live;
  std::map<std::string, BmcAccess> bmcs;
  for (int i = 0; i < kLive; ++i) {
    live.push_back(std::make_unique<IpmiSim>());
    bmcs["live-" + std::to_string(i)] = live.back()->access();
  }
  // Twenty dead BMCs, half IPMI (a UDP port that never replies), half Redfish (a TCP listener
  // that accepts and stalls).
  std::vector<std::unique_ptr<SilentBmc>> silent;
  std::vector<std::unique_ptr<SilentBmc>> stalling;
  std::vector<std::string> dead;
  for (int i = 0; i < 10; ++i) {
    silent.push_back(std::make_unique<SilentBmc>());
    dead.push_back("dead-ipmi-" + std::to_string(i));
    bmcs[dead.back()] = BmcAccess{"ipmi", "127.0.0.1", silent.back()->port(), "admin", "pw"};
    stalling.push_back(std::make_unique<SilentBmc>(SOCK_STREAM));
    dead.push_back("dead-redfish-" + std::to_string(i));
    bmcs[dead.back()] =
        BmcAccess{"redfish", "127.0.0.1", stalling.back()->port(), "root", "pw", "http"};
  }

  Outcomes outcomes;
  PowerManagerOptions options;
  options.deadline = milliseconds(2000);
  PowerManager manager(
      options,
      [&](const std::string& t) -> photon::common::Result<BmcAccess> { return bmcs.at(t); },
      [&](const PowerOutcome& o) { outcomes.add(o); });

  int serial = 0;
  // Ten rounds of one operation per live BMC at once; before each, every dead BMC of
  // `dead_jobs` that is idle is given a job again (`as_polls`: a status poll, else a power on),
  // so that they hold workers for the whole run.
  auto scenario = [&](const char* what, size_t dead_jobs, bool as_polls) {
    std::vector<double> took;
    int failed = 0;
    for (int round = 0; round < kRounds; ++round) {
      for (size_t d = 0; d < dead_jobs; ++d) {
        if (manager.busy(dead[d])) continue;
        PowerJob job{dead[d],
                     as_polls ? "" : "dead-op-" + std::to_string(++serial),
                     as_polls ? PowerJob::Kind::kStatus : PowerJob::Kind::kPower,
                     PowerAction::kOn,
                     {},
                     as_polls ? "poll" : "bench"};
        manager.submit(job);
      }
      std::vector<std::string> ids;
      const auto start = Clock::now();
      for (int i = 0; i < kLive; ++i) {
        ids.push_back("live-op-" + std::to_string(++serial));
        manager.submit(PowerJob{"live-" + std::to_string(i),
                                ids.back(),
                                PowerJob::Kind::kPower,
                                round % 2 ? PowerAction::kOff : PowerAction::kOn,
                                {},
                                "bench"});
      }
      if (!outcomes.waitFor(ids, milliseconds(30000))) {
        std::fprintf(stderr, "power_bench: live operations did not finish in 30 s\n");
        std::exit(1);
      }
      std::lock_guard lock(outcomes.mutex);
      for (const auto& id : ids) {
        const auto& [outcome, at] = outcomes.by_id[id];
        took.push_back(std::chrono::duration<double, std::milli>(at - start).count());
        if (!outcome.ok) ++failed;
      }
    }
    report(what, took, failed);
    // The dead jobs end at their deadline before the next scenario starts.
    for (int i = 0; i < 300 && std::any_of(dead.begin(), dead.end(),
                                           [&](const auto& d) { return manager.busy(d); });
         ++i) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  };

  scenario("live BMCs alone", 0, false);
  scenario("beside 20 dead BMCs polled", 20, true);
  scenario("beside 3 dead BMCs' operations", 3, false);
  scenario("beside 8 dead BMCs' operations (= workers)", 8, false);
  return 0;
}
