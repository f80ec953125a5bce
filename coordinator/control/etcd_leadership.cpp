#include "coordinator/control/etcd_leadership.h"

#include <algorithm>

#include "common/error_context.h"
#include "common/log.h"

namespace photon::coordinator {
namespace {
using etcd::Json;
using Clock = std::chrono::steady_clock;

int64_t toNs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
}  // namespace

EtcdLeadership::EtcdLeadership(std::shared_ptr<EtcdClient> client, ElectionOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

EtcdLeadership::~EtcdLeadership() {
  stop();
}

void EtcdLeadership::start(std::string id) {
  if (!id.empty()) options_.id = std::move(id);
  thread_ = std::thread([this] { loop(); });
}

void EtcdLeadership::stop() {
  {
    common::MutexLock lock(stop_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool EtcdLeadership::isLeader() const {
  // Checked against the clock on every call: a keepalive stuck in a dead connection must not
  // keep this coordinator leading past its lease.
  return leading_.load() && toNs(Clock::now()) < valid_until_ns_.load();
}

std::string EtcdLeadership::leaderId() const {
  if (leading_.load() && !isLeader()) return {};  // our lease may be gone: nobody we know of
  common::MutexLock lock(id_mutex_);
  return leader_id_;
}

void EtcdLeadership::setLeaderId(std::string id) {
  common::MutexLock lock(id_mutex_);
  leader_id_ = std::move(id);
}

void EtcdLeadership::stepDown(const std::string& why) {
  if (leading_.exchange(false)) {
    ++changes_;
    common::logWarning("leadership lost: " + why);
  }
  setLeaderId({});
  lease_ = 0;
}

void EtcdLeadership::noteProblem(const std::string& problem) {
  // Said once, not every look (several a second while etcd is away).
  if (problem == last_problem_) return;
  if (!problem.empty()) common::logWarning(problem + ", retrying");
  if (problem.empty()) common::logInfo("leader election: etcd answers again");
  last_problem_ = problem;
}

void EtcdLeadership::campaign() {
  // A cheap read first: leases are granted only when the key is free.
  auto current = client_->call("/v3/kv/range", Json{{"key", etcd::base64Encode(options_.key)}});
  if (!current) {
    noteProblem("leader election: " + current.error().message);
    setLeaderId({});
    return;
  }
  noteProblem({});
  auto kvs = current->value("kvs", Json::array());
  if (!kvs.empty()) {
    auto kv = etcd::parseKeyValue(kvs[0], "");
    setLeaderId(kv ? kv->value : std::string());
    return;
  }
  auto sent = Clock::now();
  auto grant =
      client_->call("/v3/lease/grant", Json{{"TTL", std::to_string(options_.ttl.count())}});
  if (!grant) {
    noteProblem("leader election: " + grant.error().message);
    return;
  }
  int64_t lease = etcd::readInt64(*grant, "ID");
  auto ttl = std::chrono::seconds(etcd::readInt64(*grant, "TTL"));
  if (lease == 0 || ttl.count() <= 0) return;
  std::string key = etcd::base64Encode(options_.key);
  Json txn = {
      {"compare",
       Json::array(
           {{{"key", key}, {"target", "CREATE"}, {"result", "EQUAL"}, {"create_revision", "0"}}})},
      {"success", Json::array({{{"request_put",
                                 {{"key", key},
                                  {"value", etcd::base64Encode(options_.id)},
                                  {"lease", std::to_string(lease)}}}}})},
      {"failure", Json::array({{{"request_range", {{"key", key}}}}})}};
  auto reply = client_->call("/v3/kv/txn", txn, EtcdClient::Retry::kNotSent);
  if (reply && reply->value("succeeded", false)) {
    lease_ = lease;
    valid_until_ns_ = toNs(sent + ttl);
    leading_ = true;
    ++changes_;
    setLeaderId(options_.id);
    common::logNotice("leadership won: " + options_.id + " leads (lease TTL " +
                      std::to_string(ttl.count()) + "s)");
    return;
  }
  // Somebody else was quicker (or the reply was lost: the lease then takes the key with it).
  common::ignoreError(client_->call("/v3/lease/revoke", Json{{"ID", std::to_string(lease)}}),
                      "leadership: revoke the lease of a lost election",
                      "the lease expires at its TTL");
  if (reply) {
    auto responses = reply->value("responses", Json::array());
    if (!responses.empty()) {
      auto holder =
          responses[0].value("response_range", Json::object()).value("kvs", Json::array());
      if (!holder.empty()) {
        auto kv = etcd::parseKeyValue(holder[0], "");
        setLeaderId(kv ? kv->value : std::string());
      }
    }
  }
}

void EtcdLeadership::keepAlive() {
  if (!isLeader()) {
    stepDown("no keepalive answered within the lease TTL");
    return;
  }
  auto sent = Clock::now();
  auto reply = client_->call("/v3/lease/keepalive", Json{{"ID", std::to_string(lease_)}});
  if (!reply) {
    noteProblem("leader keepalive: " + reply.error().message);
    return;
  }
  const Json result = reply->value("result", Json::object());
  auto ttl = etcd::readInt64(result, "TTL");
  if (ttl <= 0) {
    stepDown("lease " + std::to_string(lease_) + " expired");
    return;
  }
  valid_until_ns_ = toNs(sent + std::chrono::seconds(ttl));
  noteProblem({});
}

void EtcdLeadership::resign() {
  if (!leading_.exchange(false)) return;
  ++changes_;
  setLeaderId({});
  // Revoking deletes the key now: the next coordinator takes over without waiting the TTL out.
  common::ignoreError(client_->call("/v3/lease/revoke", Json{{"ID", std::to_string(lease_)}}),
                      "leadership: revoke the lease on resigning",
                      "the next leader takes over when its TTL runs out");
  common::logNotice("leadership resigned: " + options_.id);
  lease_ = 0;
}

void EtcdLeadership::loop() {
  const auto keepalive_every = std::chrono::milliseconds(options_.ttl) / 3;
  // Followers look at the key often enough that a resigned leader is replaced at once and a
  // dead one soon after its lease ends; a read of one key is cheap for etcd.
  const auto look_every = std::clamp(std::chrono::milliseconds(options_.ttl) / 10,
                                     std::chrono::milliseconds(50), std::chrono::milliseconds(250));
  const auto retry_every = std::chrono::milliseconds(100);
  for (;;) {
    std::chrono::milliseconds pause = look_every;
    if (leading_.load()) {
      int64_t before = valid_until_ns_.load();
      keepAlive();
      // A failed keepalive is retried soon; a good one at a third of the TTL.
      pause = leading_.load() && valid_until_ns_.load() != before ? keepalive_every : retry_every;
    } else {
      campaign();
      if (leading_.load()) pause = keepalive_every;
    }
    common::MutexLock lock(stop_mutex_);
    if (lock.waitFor(stop_cv_, pause, [this] {
          stop_mutex_.assertHeld();  // the predicate runs under the lock
          return stopping_;
        }))
      break;
  }
  resign();
}

}  // namespace photon::coordinator
