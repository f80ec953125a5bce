// Shared liveness at fleet scale (scripts/bench.d/16-liveness): what one coordinator's batch of
// N nodes costs to build, write to a real 3-member etcd and merge, as LivenessSharing does every
// TTL/4 (publish) and every half second (merge).
//
//   liveness_bench [NODES] [ROUNDS]    (default 10000, 20)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/clock.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/inventory/liveness_document.h"
#include "coordinator/inventory/liveness_sharing.h"
#include "coordinator/store/open_store.h"
#include "tests/support/etcd_cluster.h"

using namespace photon;
using Steady = std::chrono::steady_clock;

namespace {
double msSince(Steady::time_point t) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double worst(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

// Node ids as the coordinator makes them ("node-" and 10 hex digits).
std::string nodeId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "node-%010x", i * 2654435761u);
  return buf;
}
}  // namespace

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::stoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 20;
  common::SystemClock clock;
  const int64_t now = clock.nowSeconds();

  // Three coordinators' batches: each saw every node within the last 15 s (agents fail over,
  // so a node is in more than one).
  std::vector<coordinator::LivenessDocument> docs(3);
  for (int c = 0; c < 3; ++c) {
    docs[c].coordinator = "coordinator-" + std::to_string(c) + ":7480";
    docs[c].published_at = now;
    for (int i = 0; i < nodes; ++i) docs[c].seen[nodeId(i)] = now - (i + c) % 15;
  }
  std::vector<double> encode_ms, decode_ms, merge_ms;
  std::string text;
  for (int r = 0; r < rounds; ++r) {
    auto t = Steady::now();
    text = coordinator::encodeLivenessDocument(docs[0]);
    encode_ms.push_back(msSince(t));
    t = Steady::now();
    auto back = coordinator::decodeLivenessDocument(text);
    decode_ms.push_back(msSince(t));
    if (!back || back->seen.size() != static_cast<size_t>(nodes)) {
      std::fprintf(stderr, "decode failed\n");
      return 1;
    }
    t = Steady::now();
    auto merged = coordinator::mergeLivenessDocuments({&docs[0], &docs[1], &docs[2]}, now - 60);
    merge_ms.push_back(msSince(t));
    if (merged.size() != static_cast<size_t>(nodes)) return 1;
  }
  std::printf("liveness batch of %d nodes: %zu bytes (%.1f bytes a node)\n", nodes, text.size(),
              static_cast<double>(text.size()) / nodes);
  std::printf("  encode %.2f ms, decode %.2f ms, merge of 3 batches %.2f ms (median of %d)\n",
              median(encode_ms), median(decode_ms), median(merge_ms), rounds);

  // The same batches written to a real 3-member etcd through the coordinator's store, and read
  // back and merged by LivenessSharing as every coordinator does.
  test::EtcdCluster etcd(3);
  if (!etcd.ready()) {
    std::fprintf(stderr, "etcd did not start: %s\n", etcd.error().c_str());
    return 1;
  }
  coordinator::StoreConfig config;
  config.kind = "etcd";
  config.etcd_endpoints = etcd.endpoints();
  config.etcd_prefix = "/liveness-bench/";
  auto opened = coordinator::openStore(config);
  if (!opened) {
    std::fprintf(stderr, "open store: %s\n", opened.error().message.c_str());
    return 1;
  }
  coordinator::Store& store = *opened->store;
  coordinator::LivenessTracker tracker(now);
  for (const auto& [id, at] : docs[0].seen) tracker.seen(id, at);
  coordinator::Inventory inventory(store, clock, tracker);
  coordinator::LivenessSharing sharing(inventory, store, tracker, docs[0].coordinator,
                                       [] { return true; });
  for (int c = 1; c < 3; ++c) {
    coordinator::Txn txn;
    txn.put(coordinator::keys::liveness(docs[c].coordinator),
            coordinator::encodeLivenessDocument(docs[c]));
    if (!store.commit(txn)) return 1;
  }
  std::vector<double> publish_ms, store_merge_ms, cached_merge_ms;
  for (int r = 0; r < rounds; ++r) {
    auto t = Steady::now();
    if (auto s = sharing.publish(); !s) {
      std::fprintf(stderr, "publish: %s\n", s.error().message.c_str());
      return 1;
    }
    publish_ms.push_back(msSince(t));
    t = Steady::now();
    if (!sharing.merge()) return 1;  // this round's own batch is new: decoded once
    store_merge_ms.push_back(msSince(t));
    t = Steady::now();
    if (!sharing.merge()) return 1;  // nothing new: the decoded batches are reused
    cached_merge_ms.push_back(msSince(t));
  }
  auto stats = sharing.stats();
  std::printf("on a 3-member etcd (fsync on), %d rounds:\n", rounds);
  std::printf("  publish (one txn of %lld bytes): median %.2f ms, max %.2f ms\n",
              static_cast<long long>(stats.last_document_bytes), median(publish_ms),
              worst(publish_ms));
  std::printf("  merge after a new batch: median %.2f ms; merge with nothing new: %.2f ms\n",
              median(store_merge_ms), median(cached_merge_ms));
  std::printf("  fresh batches merged: %lld, nodes alive: %s\n",
              static_cast<long long>(stats.coordinators),
              tracker.missing(nodeId(nodes - 1), clock.nowSeconds(), 60) ? "no" : "yes");
  return 0;
}
