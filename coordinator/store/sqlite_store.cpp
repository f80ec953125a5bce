#include "coordinator/store/sqlite_store.h"

#include <filesystem>

#include "common/error_context.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

std::unexpected<common::Error> sqliteError(sqlite3* db, const std::string& what) {
  return fail(ErrorCode::kInternal, what + ": " + sqlite3_errmsg(db));
}
}  // namespace

SqliteStore::SqliteStore(Db db) : db_(std::move(db)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return fail(ErrorCode::kInternal, "create " + data_dir + ": " + ec.message());
  std::string path = data_dir + "/photon.db";
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return fail(ErrorCode::kInternal,
                "open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db)));
  // FULL: a commit returns only after the WAL is fsync'd, so kill -9 or power loss never
  // loses an acknowledged write.
  PHOTON_CHECK(store->exec("PRAGMA journal_mode=WAL"));
  PHOTON_CHECK(store->exec("PRAGMA synchronous=FULL"));
  PHOTON_CHECK(store->exec("PRAGMA busy_timeout=5000"));
  PHOTON_CHECK(
      store->exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
                  "create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL)"));
  PHOTON_CHECK(store->exec(
      "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"));
  PHOTON_CHECK(store->exec("INSERT OR IGNORE INTO meta VALUES ('revision', 0)"));
  PHOTON_CHECK(store->prepare());
  PHOTON_CHECK(store->load());
  return store;
}

Result<void> SqliteStore::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return fail(ErrorCode::kInternal, std::string("sqlite: ") + sql + ": " + text);
  }
  return {};
}

Result<void> SqliteStore::prepare() {
  auto prep = [&](const char* sql, Stmt& out) -> Result<void> {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK) {
      return sqliteError(db_.get(), std::string("prepare ") + sql);
    }
    out.reset(s);
    return {};
  };
  PHOTON_CHECK(
      prep("INSERT INTO kv (key, value, create_revision, mod_revision) "
           "VALUES (?1, ?2, ?3, ?3) ON CONFLICT(key) DO UPDATE SET "
           "value = excluded.value, mod_revision = excluded.mod_revision",
           put_stmt_));
  PHOTON_CHECK(prep("DELETE FROM kv WHERE key = ?1", delete_stmt_));
  PHOTON_CHECK(prep("UPDATE meta SET value = ?1 WHERE name = 'revision'", revision_stmt_));
  return {};
}

Result<void> SqliteStore::load() {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_.get(), "SELECT key, value, create_revision, mod_revision FROM kv", -1,
                         &raw, nullptr) != SQLITE_OK) {
    return sqliteError(db_.get(), "load");
  }
  Stmt stmt(raw);
  std::map<std::string, KeyValue> kvs;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    KeyValue kv;
    kv.key = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    kv.value = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 1));
    kv.create_revision = sqlite3_column_int64(stmt.get(), 2);
    kv.mod_revision = sqlite3_column_int64(stmt.get(), 3);
    kvs.emplace(kv.key, std::move(kv));
  }
  if (rc != SQLITE_DONE) return sqliteError(db_.get(), "load");
  sqlite3_stmt* rev_raw = nullptr;
  sqlite3_prepare_v2(db_.get(), "SELECT value FROM meta WHERE name = 'revision'", -1, &rev_raw,
                     nullptr);
  Stmt rev(rev_raw);
  if (!rev || sqlite3_step(rev.get()) != SQLITE_ROW) return sqliteError(db_.get(), "read revision");
  mirror_.replace(std::move(kvs), sqlite3_column_int64(rev.get(), 0));
  return {};
}

Result<std::optional<KeyValue>> SqliteStore::get(const std::string& key) {
  return mirror_.get(key);
}

Result<int64_t> SqliteStore::modRevision(const std::string& key) {
  return mirror_.modRevision(key);
}

Result<std::vector<KeyRevision>> SqliteStore::revisions(const std::string& prefix) {
  return mirror_.revisions(prefix);
}

Result<RangeResult> SqliteStore::range(const std::string& prefix) {
  return mirror_.range(prefix);
}

int64_t SqliteStore::revision() {
  return mirror_.revision();
}

Result<void> SqliteStore::writeOps(const Txn& txn, int64_t revision) {
  for (const auto& op : txn.ops) {
    sqlite3_stmt* s = op.is_delete ? delete_stmt_.get() : put_stmt_.get();
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, op.key.data(), static_cast<int>(op.key.size()), SQLITE_STATIC);
    if (!op.is_delete) {
      sqlite3_bind_text(s, 2, op.value.data(), static_cast<int>(op.value.size()), SQLITE_STATIC);
      sqlite3_bind_int64(s, 3, revision);
    }
    if (sqlite3_step(s) != SQLITE_DONE) return sqliteError(db_.get(), "write " + op.key);
  }
  sqlite3_reset(revision_stmt_.get());
  sqlite3_bind_int64(revision_stmt_.get(), 1, revision);
  if (sqlite3_step(revision_stmt_.get()) != SQLITE_DONE) {
    return sqliteError(db_.get(), "write revision");
  }
  return {};
}

Result<int64_t> SqliteStore::commit(const Txn& txn) {
  std::lock_guard write_lock(write_mutex_);
  // Only this thread writes the mirror, so it is the truth while the write lock is held.
  for (const auto& c : txn.compares) {
    if (mirror_.modRevision(c.key) != c.mod_revision) {
      return fail(ErrorCode::kConflict, "changed concurrently", c.key);
    }
  }
  int64_t next = mirror_.revision() + 1;
  PHOTON_CHECK(exec("BEGIN IMMEDIATE"));
  if (auto written = writeOps(txn, next); !written) {
    common::ignoreError(exec("ROLLBACK"), "sqlite: roll back a failed write",
                        "the write's own error is returned; SQLite rolls back on close");
    return std::unexpected(written.error());
  }
  if (auto done = exec("COMMIT"); !done) {
    common::ignoreError(exec("ROLLBACK"), "sqlite: roll back a failed commit",
                        "the commit's own error is returned; SQLite rolls back on close");
    return std::unexpected(done.error());
  }
  std::vector<KeyChange> changes;
  for (const auto& op : txn.ops) {
    changes.push_back({op.is_delete, KeyValue{op.key, op.value, 0, next}});
  }
  mirror_.apply(std::move(changes));
  return next;
}

int64_t SqliteStore::waitForChange(const std::string& key, int64_t known_mod_revision,
                                   std::chrono::milliseconds timeout) {
  return mirror_.waitForChange(key, known_mod_revision, timeout);
}

}  // namespace photon::coordinator
