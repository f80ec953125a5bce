// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a write is
// acknowledged only once it is on disk. The whole key space is mirrored in memory (the
// coordinator is its only writer), which makes reads, and the agents' polls, cheap.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>

#include "coordinator/store/key_mirror.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

class SqliteStore final : public Store {
 public:
  // Opens (creating if need be) DIR/photon.db and loads it.
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> open(const std::string& data_dir);
  ~SqliteStore() override;

  Result<std::optional<KeyValue>> get(const std::string& key) override;
  Result<int64_t> modRevision(const std::string& key) override;
  Result<std::vector<KeyRevision>> revisions(const std::string& prefix) override;
  Result<RangeResult> range(const std::string& prefix) override;
  Result<int64_t> commit(const Txn& txn) override;
  int64_t revision() override;
  int64_t waitForChange(const std::string& key, int64_t known_mod_revision,
                        std::chrono::milliseconds timeout) override;
  void setChangeListener(ChangeListener listener) override {
    mirror_.setListener(std::move(listener));
  }

 private:
  struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  using Db = std::unique_ptr<sqlite3, DbCloser>;
  using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

  explicit SqliteStore(Db db);
  Result<void> prepare();
  Result<void> load();
  Result<void> exec(const char* sql);
  Result<void> writeOps(const Txn& txn, int64_t revision);

  std::mutex write_mutex_;  // one writer at a time; readers use the mirror
  Db db_;
  Stmt put_stmt_;
  Stmt delete_stmt_;
  Stmt revision_stmt_;
  KeyMirror mirror_;
};

}  // namespace photon::coordinator
