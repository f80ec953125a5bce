// Moving a coordinator's state from SQLite to etcd and back with `photon-coordinator export`
// and `import` (the real binary, a real SQLite file, a real etcd).
#include "coordinator/store/store_dump.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "coordinator/store/open_store.h"
#include "tests/support/child_process.h"
#include "tests/support/store_backends.h"

using namespace photon;
using namespace photon::coordinator;

namespace {
int runCoordinator(const test::TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), PHOTON_BUILD_DIR "/coordinator/photon-coordinator");
  test::ChildProcess child(args, dir.file("cli.log"));
  return child.wait(std::chrono::seconds(30));
}

std::map<std::string, std::string> everything(Store& store) {
  std::map<std::string, std::string> out;
  auto range = store.range("");
  REQUIRE(range);
  for (const auto& kv : range->kvs) out[kv.key] = kv.value;
  return out;
}
}  // namespace

TEST_CASE("store dump: import checks the document and refuses a store with keys",
          "[inventory][etcd][integration]") {
  test::StoreBackend backend(GENERATE(as<std::string>{}, "sqlite", "etcd"));
  auto store = backend.open();
  INFO(backend.kind() << ": " << backend.error());
  REQUIRE(store);
  auto bad = importStore(
      *store,
      {{"format", "photon-store-dump"}, {"version", 1}, {"kvs", {{{"key", ""}, {"value", "x"}}}}},
      false);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "kvs[0].key");
  CHECK_FALSE(importStore(*store, {{"format", "other"}}, false));

  nlohmann::json dump = {
      {"format", "photon-store-dump"}, {"version", 1}, {"kvs", nlohmann::json::array()}};
  for (int i = 0; i < 250; ++i) {  // more than one txn's worth
    dump["kvs"].push_back(
        {{"key", "k/" + std::to_string(i)}, {"value", "{\"i\":" + std::to_string(i) + "}"}});
  }
  auto first = importStore(*store, dump, false);
  REQUIRE(first);
  CHECK(first->keys == 250);
  CHECK(everything(*store).size() == 250);

  auto again = importStore(*store, dump, false);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == common::ErrorCode::kConflict);
  dump["kvs"][0]["value"] = "changed";
  REQUIRE(importStore(*store, dump, true));
  CHECK((*store->get("k/0"))->value == "changed");

  auto exported = exportStore(*store);
  REQUIRE(exported);
  CHECK((*exported)["kvs"].size() == 250);
}

TEST_CASE("store dump: SQLite -> etcd -> SQLite with the photon-coordinator binary",
          "[inventory][etcd][integration]") {
  auto& etcd = test::sharedEtcd();
  REQUIRE(etcd.ready());
  test::TempDir dir;
  std::map<std::string, std::string> written;
  {
    StoreConfig sqlite;
    sqlite.data_dir = dir.file("from");
    auto opened = openStore(sqlite);
    REQUIRE(opened);
    for (int i = 0; i < 40; ++i) {
      std::string key = (i % 2 ? "nodes/n" : "desired/n") + std::to_string(i);
      std::string value = "{\"n\":" + std::to_string(i) + ",\"text\":\"a \\\"quoted\\\" ü\"}";
      REQUIRE(opened->store->commit(Txn{}.put(key, value)));
      written[key] = value;
    }
  }
  REQUIRE(runCoordinator(dir, {"export", "--data-dir", dir.file("from"), "--file",
                               dir.file("dump.json")}) == 0);
  std::string prefix = "/dump-test/" + std::to_string(::getpid()) + "/";
  std::vector<std::string> to_etcd = {
      "import",        "--store", "etcd",   "--etcd-endpoints",   etcd.endpoints(),
      "--etcd-prefix", prefix,    "--file", dir.file("dump.json")};
  REQUIRE(runCoordinator(dir, to_etcd) == 0);
  // The target holds keys now: a second import is refused unless told.
  CHECK(runCoordinator(dir, to_etcd) == 1);
  to_etcd.push_back("--overwrite");
  CHECK(runCoordinator(dir, to_etcd) == 0);

  StoreConfig on_etcd;
  on_etcd.kind = "etcd";
  on_etcd.etcd_endpoints = etcd.endpoints();
  on_etcd.etcd_prefix = prefix;
  {
    auto opened = openStore(on_etcd);
    REQUIRE(opened);
    CHECK(everything(*opened->store) == written);
  }
  // And back into a fresh SQLite store.
  REQUIRE(runCoordinator(dir, {"export", "--store", "etcd", "--etcd-endpoints", etcd.endpoints(),
                               "--etcd-prefix", prefix, "--file", dir.file("back.json")}) == 0);
  REQUIRE(runCoordinator(dir, {"import", "--data-dir", dir.file("back"), "--file",
                               dir.file("back.json")}) == 0);
  StoreConfig back;
  back.data_dir = dir.file("back");
  auto opened = openStore(back);
  REQUIRE(opened);
  CHECK(everything(*opened->store) == written);
}
