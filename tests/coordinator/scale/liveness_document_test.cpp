#include "coordinator/inventory/liveness_document.h"

#include <catch2/catch.hpp>

#include "coordinator/control/control_wake.h"

using namespace photon::coordinator;

TEST_CASE("liveness document: encoded and decoded, grouped by second", "[scale]") {
  LivenessDocument doc{"a:7480", 1000, {{"n-1", 998}, {"n-2", 998}, {"n-3", 990}}};
  std::string text = encodeLivenessDocument(doc);
  // Two groups: the nodes seen in the same second share one entry.
  CHECK(text.find("\"at\":998") != std::string::npos);
  CHECK(text.find("\"at\":990") != std::string::npos);
  auto back = decodeLivenessDocument(text);
  REQUIRE(back);
  CHECK(back->coordinator == "a:7480");
  CHECK(back->published_at == 1000);
  CHECK(back->seen == doc.seen);
}

TEST_CASE("liveness document: 10,000 nodes take under 45 bytes a node", "[scale]") {
  LivenessDocument doc{"coordinator-a:7480", 5000, {}};
  for (int i = 0; i < 10000; ++i) {
    doc.seen["5f0c1e2a-7b3d-4c4e-9a1f-" + std::to_string(100000000000 + i)] = 4990 + i % 10;
  }
  std::string text = encodeLivenessDocument(doc);
  CHECK(text.size() < 10000 * 45);
  auto back = decodeLivenessDocument(text);
  REQUIRE(back);
  CHECK(back->seen.size() == 10000);
}

TEST_CASE("liveness document: a malformed one is an error naming what is wrong", "[scale]") {
  for (const char* bad :
       {"", "[]", R"({"coordinator": 1, "published_at": 5, "seen": []})",
        R"({"coordinator": "a", "seen": []})", R"({"coordinator": "a", "published_at": 5})",
        R"({"coordinator": "a", "published_at": 5, "seen": [{"at": 4}]})",
        R"({"coordinator": "a", "published_at": 5, "seen": [{"at": 4, "nodes": [7]}]})"}) {
    INFO(bad);
    auto doc = decodeLivenessDocument(bad);
    REQUIRE_FALSE(doc);
    CHECK(doc.error().message.find("liveness document: ") == 0);
  }
}

TEST_CASE("liveness merge: the newest poll over fresh documents, stale ones ignored", "[scale]") {
  LivenessDocument a{"a", 100, {{"n1", 95}, {"n2", 90}}};
  LivenessDocument b{"b", 99, {{"n1", 97}, {"n3", 99}}};
  LivenessDocument dead{"c", 50, {{"n2", 50}, {"n4", 49}}};
  // A clock ahead of the document's own publication is capped at it.
  LivenessDocument ahead{"d", 101, {{"n5", 500}}};
  auto merged = mergeLivenessDocuments({&a, &b, &dead, &ahead}, /*fresh_since=*/90);
  CHECK(merged.at("n1") == 97);
  CHECK(merged.at("n2") == 90);
  CHECK(merged.at("n3") == 99);
  CHECK(merged.at("n5") == 101);
  CHECK_FALSE(merged.contains("n4"));  // only the stopped coordinator saw it
}

TEST_CASE("liveness tracker: own polls, shared polls and the grace floor", "[scale]") {
  LivenessTracker t(1000);
  // Not seen anywhere: counted from the tracker's start.
  CHECK(t.lastSeen("n1") == 1000);
  CHECK_FALSE(t.missing("n1", 1010, 10));
  CHECK(t.missing("n1", 1011, 10));
  t.seen("n1", 1005);
  t.setShared({{"n1", 1008}, {"n2", 1003}});
  CHECK(t.lastSeen("n1") == 1008);
  CHECK(t.lastSeen("n2") == 1003);
  // An older poll does not move it back.
  t.seen("n1", 1001);
  CHECK(t.ownPolls().at("n1") == 1005);
  // A takeover at 1020: nobody is missing before 1030.
  t.graceFrom(1020);
  CHECK(t.graceFloor() == 1020);
  CHECK_FALSE(t.missing("n2", 1030, 10));
  CHECK(t.missing("n2", 1031, 10));
  // The floor never moves back.
  t.graceFrom(1010);
  CHECK(t.graceFloor() == 1020);
}

TEST_CASE("control wake: node changes and API writes wake it, controllers' output not", "[scale]") {
  for (const char* key : {"nodes/n1", "services/web", "deployments/d/00000001", "cluster"}) {
    INFO(key);
    CHECK(wakesControl(key));
  }
  for (const char* key : {"desired/n1", "placement/web", "liveness/a:7480", "tokens/n1",
                          "idx/token/abc", "clusterx", "vms/vm1", "observed/n1"}) {
    INFO(key);
    CHECK_FALSE(wakesControl(key));
  }
  // A report wakes it only while a running deployment holds its node (the server looks).
  CHECK(reportingNode("observed/n1") == "n1");
  CHECK_FALSE(reportingNode("observed/"));
  CHECK_FALSE(reportingNode("nodes/n1"));
}
