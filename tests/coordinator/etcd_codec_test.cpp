#include "coordinator/store/etcd_codec.h"

#include <catch2/catch.hpp>

using namespace photon::coordinator;
using etcd::Json;

namespace {
Json kv(const std::string& key, const std::string& value, int64_t mod) {
  return {{"key", etcd::base64Encode(key)},
          {"value", etcd::base64Encode(value)},
          {"create_revision", "1"},
          {"mod_revision", std::to_string(mod)}};
}
Json rangeOf(std::vector<Json> kvs) {
  Json r = Json::object();
  if (!kvs.empty()) r["kvs"] = kvs;  // the gateway leaves an empty list out
  return {{"response_range", r}};
}
}  // namespace

TEST_CASE("etcd codec: base64 both ways, and bad input refused", "[etcd]") {
  for (const std::string& raw :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = etcd::base64Decode(etcd::base64Encode(raw));
    REQUIRE(back);
    CHECK(*back == raw);
  }
  CHECK(etcd::base64Encode("/p/a") == "L3AvYQ==");
  CHECK_FALSE(etcd::base64Decode("L3AvYQ="));   // not a multiple of 4
  CHECK_FALSE(etcd::base64Decode("L3A*YQ=="));  // not in the alphabet
  CHECK_FALSE(etcd::base64Decode("L3=vYQ=="));  // data after padding
}

TEST_CASE("etcd codec: a prefix's range end", "[etcd]") {
  CHECK(etcd::prefixEnd("/photon/") == "/photon0");
  CHECK(etcd::prefixEnd(std::string("a\xff", 2)) == "b");
}

TEST_CASE("etcd codec: a failed txn names the compared key that moved", "[etcd]") {
  Txn txn;
  txn.expect("a", 5).expectAbsent("b").put("a", "x");
  Json request = etcd::txnRequest(txn, "/p/");
  REQUIRE(request["compare"].size() == 2);
  CHECK(request["compare"][0]["mod_revision"] == "5");
  CHECK(request["failure"].size() == 2);
  CHECK(request["success"][0]["request_put"]["value"] == etcd::base64Encode("x"));

  // "a" is as expected, "b" exists now.
  Json failed = {{"header", {{"revision", "9"}}},
                 {"responses", {rangeOf({kv("/p/a", "", 5)}), rangeOf({kv("/p/b", "", 8)})}}};
  auto outcome = etcd::txnOutcome(failed, txn, "/p/");
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code == photon::common::ErrorCode::kConflict);
  CHECK(outcome.error().field == "b");

  Json ok = {{"header", {{"revision", "10"}}}, {"succeeded", true}};
  auto applied = etcd::txnOutcome(ok, txn, "/p/");
  REQUIRE(applied);
  CHECK(*applied == 10);
}

TEST_CASE("etcd codec: what a read-back says of a txn whose reply was lost", "[etcd]") {
  Txn txn;
  txn.expect("n", 5).put("n", "new").put("i", "idx");
  Json probe = etcd::txnProbeRequest(txn, "/p/");
  CHECK(probe["success"].size() == 2);  // "n" once, "i"

  SECTION("applied: both keys hold our values, written together after the compare") {
    Json reply = {
        {"responses", {rangeOf({kv("/p/n", "new", 7)}), rangeOf({kv("/p/i", "idx", 7)})}}};
    auto p = etcd::txnProbeOutcome(reply, txn, "/p/");
    REQUIRE(p);
    CHECK(p->outcome == etcd::TxnProbe::kApplied);
    CHECK(p->revision == 7);
  }
  SECTION("not applied: the compare still holds") {
    Json reply = {{"responses", {rangeOf({kv("/p/n", "old", 5)}), rangeOf({})}}};
    auto p = etcd::txnProbeOutcome(reply, txn, "/p/");
    REQUIRE(p);
    CHECK(p->outcome == etcd::TxnProbe::kNotApplied);
  }
  SECTION("someone else's write: a conflict naming the key") {
    Json reply = {{"responses", {rangeOf({kv("/p/n", "theirs", 6)}), rangeOf({})}}};
    auto p = etcd::txnProbeOutcome(reply, txn, "/p/");
    REQUIRE(p);
    CHECK(p->outcome == etcd::TxnProbe::kConflict);
    CHECK(p->conflict_key == "n");
  }
  SECTION("our values at different revisions are not one txn of ours") {
    Json reply = {
        {"responses", {rangeOf({kv("/p/n", "new", 7)}), rangeOf({kv("/p/i", "idx", 8)})}}};
    auto p = etcd::txnProbeOutcome(reply, txn, "/p/");
    REQUIRE(p);
    CHECK(p->outcome == etcd::TxnProbe::kConflict);
  }
}

TEST_CASE("etcd codec: watch lines", "[etcd]") {
  std::string line =
      R"({"result":{"header":{"revision":"4"},"events":[)"
      R"({"kv":{"key":"L3AvYg==","create_revision":"3","mod_revision":"3","version":"1","value":"Mg=="}},)"
      R"({"type":"DELETE","kv":{"key":"L3AvYg==","mod_revision":"4"}}]}})";
  auto w = etcd::parseWatchLine(line, "/p/");
  REQUIRE(w);
  REQUIRE(w->events.size() == 2);
  CHECK(w->events[0].kv.key == "b");
  CHECK(w->events[0].kv.value == "2");
  CHECK_FALSE(w->events[0].is_delete);
  CHECK(w->events[1].is_delete);
  CHECK(w->events[1].kv.mod_revision == 4);

  auto compacted = etcd::parseWatchLine(
      R"({"result":{"header":{"revision":"9"},"compact_revision":"5","canceled":true}})", "/p/");
  REQUIRE(compacted);
  CHECK(compacted->compact_revision == 5);
  CHECK(compacted->canceled);

  CHECK_FALSE(etcd::parseWatchLine(R"({"error":{"grpc_code":14}})", "/p/"));
  CHECK_FALSE(etcd::parseWatchLine("not json", "/p/"));
  // A key outside the prefix is an error, not a silent mix-up.
  CHECK_FALSE(etcd::parseWatchLine(
      R"({"result":{"events":[{"kv":{"key":"L3EvYg==","mod_revision":"3"}}]}})", "/p/"));
}
