#include "coordinator/power/bmc_records.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "common/error_context.h"
#include "common/validate.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/power/power_keys.h"

namespace photon::coordinator::power {
namespace {

using common::ErrorCode;
using common::fail;
using common::invalid;
using common::joinPath;
using common::Json;

bool printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

common::Status checkPath(const std::string& field, const std::string& path) {
  if (path.empty() || path.front() != '/' || path.size() > 4096 || !printable(path) ||
      path.find("/../") != std::string::npos || path.ends_with("/..")) {
    return invalid(field, "must be an absolute path");
  }
  return {};
}

bool isLoopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

bool isSystemId(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(),
                     [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                              c == '.';
                     }) &&
         id != "." && id != "..";
}

}  // namespace

common::Result<BmcRecord> bmcFromJson(const Json& j, const std::string& path,
                                      std::string* password) {
  PHOTON_CHECK(common::requireObject(j, path));
  static const std::set<std::string> known{
      "driver",    "address",      "port",    "username",  "password", "password_file", "scheme",
      "system_id", "insecure_tls", "ca_file", "installer", "source",   "password_set"};
  for (const auto& [key, value] : j.items()) {
    if (!known.contains(key)) return invalid(joinPath(path, key.substr(0, 64)), "unknown field");
  }
  BmcRecord r;
  PHOTON_TRY(r.driver, common::readString(j, "driver", path));
  if (r.driver != "ipmi" && r.driver != "redfish") {
    return invalid(joinPath(path, "driver"), "must be ipmi or redfish");
  }
  PHOTON_TRY(r.address, common::readString(j, "address", path));
  if (!common::isValidIp(r.address) && !common::isValidHostname(r.address)) {
    return invalid(joinPath(path, "address"), "must be an IP address or a host name");
  }
  PHOTON_TRY(int64_t port, common::readInt(j, "port", path, 0, 65535, 0));
  r.port = static_cast<int>(port);
  PHOTON_TRY(r.username, common::readString(j, "username", path));
  if (r.username.empty() || r.username.size() > 64 || !printable(r.username)) {
    return invalid(joinPath(path, "username"), "must be 1-64 printable characters");
  }
  PHOTON_TRY(std::string given, common::readString(j, "password", path, ""));
  if (given.size() > 128 || !printable(given)) {
    return invalid(joinPath(path, "password"), "must be at most 128 printable characters");
  }
  PHOTON_TRY(r.password_file, common::readString(j, "password_file", path, ""));
  if (!r.password_file.empty())
    PHOTON_CHECK(checkPath(joinPath(path, "password_file"), r.password_file));
  if (!given.empty() && !r.password_file.empty()) {
    return invalid(joinPath(path, "password"), "give password or password_file, not both");
  }
  if (!given.empty() && !password) {
    // A declaration is world-readable (it comes from the Nix store): a file, never a password.
    return invalid(joinPath(path, "password"), "is not accepted here: use password_file");
  }
  if (password) *password = given;
  PHOTON_TRY(r.password_set, common::readBool(j, "password_set", path, false));
  PHOTON_TRY(r.scheme, common::readString(j, "scheme", path, "https"));
  if (r.scheme != "https" && r.scheme != "http") {
    return invalid(joinPath(path, "scheme"), "must be https or http");
  }
  if (r.scheme == "http" && !isLoopback(r.address)) {
    // Plain HTTP would carry the BMC's credentials in the clear: loopback fixtures only.
    return invalid(joinPath(path, "scheme"), "http is allowed only to a loopback address");
  }
  PHOTON_TRY(r.system_id, common::readString(j, "system_id", path, ""));
  if (!r.system_id.empty() && !isSystemId(r.system_id)) {
    return invalid(joinPath(path, "system_id"), "must be 1-64 characters of [A-Za-z0-9._-]");
  }
  PHOTON_TRY(r.insecure_tls, common::readBool(j, "insecure_tls", path, false));
  PHOTON_TRY(r.ca_file, common::readString(j, "ca_file", path, ""));
  if (!r.ca_file.empty()) PHOTON_CHECK(checkPath(joinPath(path, "ca_file"), r.ca_file));
  PHOTON_TRY(std::string installer, common::readString(j, "installer", path, "cdrom"));
  auto device = parseBootDevice(installer);
  if (!device || *device == BootDevice::kDisk) {
    return invalid(joinPath(path, "installer"), "must be cdrom or pxe");
  }
  r.installer = *device;
  PHOTON_TRY(r.source, common::readString(j, "source", path, "api"));
  return r;
}

Json toJson(const BmcRecord& r) {
  Json j{{"driver", r.driver},
         {"address", r.address},
         {"port", r.port},
         {"username", r.username},
         {"password_set", r.password_set},
         {"installer", std::string(toString(r.installer))},
         {"source", r.source}};
  if (!r.password_file.empty()) j["password_file"] = r.password_file;
  if (r.driver == "redfish") {
    j["scheme"] = r.scheme;
    if (!r.system_id.empty()) j["system_id"] = r.system_id;
    j["insecure_tls"] = r.insecure_tls;
    if (!r.ca_file.empty()) j["ca_file"] = r.ca_file;
  }
  return j;
}

Json bmcView(const BmcRecord& r) {
  Json j = toJson(r);
  j["password_set"] = r.password_set || !r.password_file.empty();
  return j;
}

common::Status putBmc(Store& store, const std::string& target, const BmcRecord& given,
                      const std::string& password) {
  auto attempt = [&]() -> common::Result<bool> {
    BmcRecord record = given;
    record.source = "api";
    Txn txn;
    PHOTON_TRY(auto secret, store.get(keys::bmcSecret(target)));
    if (!password.empty()) {
      txn.expect(keys::bmcSecret(target), secret ? secret->mod_revision : 0);
      txn.put(keys::bmcSecret(target), Json{{"password", password}}.dump());
      record.password_set = true;
    } else if (!record.password_file.empty()) {
      if (secret)
        txn.expect(keys::bmcSecret(target), secret->mod_revision).erase(keys::bmcSecret(target));
      record.password_set = false;
    } else {
      if (secret) txn.expect(keys::bmcSecret(target), secret->mod_revision);
      record.password_set = secret.has_value();
    }
    txn.put(keys::bmc(target), toJson(record).dump());
    PHOTON_TRY_CTX(int64_t revision, store.commit(txn), "store the BMC record of " + target);
    (void)revision;
    return true;
  };
  PHOTON_TRY(bool done, withRetries<bool>(attempt));
  (void)done;
  return {};
}

common::Status deleteBmc(Store& store, const std::string& target) {
  Txn txn;
  txn.erase(keys::bmc(target)).erase(keys::bmcSecret(target));
  PHOTON_TRY(int64_t revision, store.commit(txn));
  (void)revision;
  return {};
}

std::optional<std::string> declaredName(const common::Cluster& cluster, const std::string& target,
                                        const common::Node* node) {
  auto nodes = cluster.extra.find("nodes");
  if (nodes == cluster.extra.end() || !nodes->is_array()) return std::nullopt;
  std::string name = target;
  if (node) {
    if (node->rule.rfind("node-", 0) != 0) return std::nullopt;
    name = node->rule.substr(5);
  }
  for (const auto& n : *nodes) {
    if (n.is_object() && n.value("name", "") == name) return name;
  }
  return std::nullopt;
}

common::Result<std::optional<BmcRecord>> declaredBmc(const common::Cluster& cluster,
                                                     const std::string& name) {
  auto nodes = cluster.extra.find("nodes");
  if (nodes == cluster.extra.end() || !nodes->is_array()) return std::nullopt;
  for (size_t i = 0; i < nodes->size(); ++i) {
    const auto& n = (*nodes)[i];
    if (!n.is_object() || n.value("name", "") != name) continue;
    auto bmc = n.find("bmc");
    if (bmc == n.end() || bmc->is_null()) return std::nullopt;
    PHOTON_TRY(BmcRecord record,
               bmcFromJson(*bmc, "nodes[" + std::to_string(i) + "].bmc", nullptr));
    record.source = "declaration";
    return record;
  }
  return std::nullopt;
}

common::Status checkDeclaredBmcs(const common::Cluster& cluster) {
  auto nodes = cluster.extra.find("nodes");
  if (nodes == cluster.extra.end() || !nodes->is_array()) return {};
  for (size_t i = 0; i < nodes->size(); ++i) {
    const auto& n = (*nodes)[i];
    if (!n.is_object() || !n.contains("bmc") || n["bmc"].is_null()) continue;
    PHOTON_TRY(BmcRecord record,
               bmcFromJson(n["bmc"], "nodes[" + std::to_string(i) + "].bmc", nullptr));
    (void)record;
  }
  return {};
}

common::Result<BmcRecord> findBmc(Store& store, const common::Cluster& cluster,
                                  const std::string& target, const common::Node* node) {
  PHOTON_TRY_CTX(auto kv, store.get(keys::bmc(target)), "read the BMC record of " + target);
  if (kv) {
    PHOTON_TRY(Json stored, parseStored(*kv));
    std::string unused;
    return bmcFromJson(stored, keys::bmc(target), &unused);
  }
  if (auto name = declaredName(cluster, target, node)) {
    PHOTON_TRY(auto declared, declaredBmc(cluster, *name));
    if (declared) return *declared;
  }
  return fail(ErrorCode::kNotFound, "no BMC for " + target + ": set one with photonctl bmc set",
              "bmc");
}

common::Result<std::string> readPasswordFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return fail(ErrorCode::kInvalid, "cannot open the password file " + path, "password_file");
  struct stat st {};
  std::string out;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (ok && (st.st_mode & 077) != 0) {
    ::close(fd);
    return fail(ErrorCode::kInvalid,
                "the password file " + path + " is readable by others: chmod 600 it",
                "password_file");
  }
  if (ok) {
    char buf[257];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ok = n >= 0 && n <= 256;
    if (ok) out.assign(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!ok)
    return fail(ErrorCode::kInvalid,
                "the password file " + path + " is not a file of at most 256 bytes",
                "password_file");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

common::Result<BmcAccess> accessFor(Store& store, const std::string& target,
                                    const BmcRecord& record) {
  BmcAccess access{record.driver, record.address,   record.port,         record.username, "",
                   record.scheme, record.system_id, record.insecure_tls, record.ca_file};
  if (!record.password_file.empty()) {
    PHOTON_TRY(access.password, readPasswordFile(record.password_file));
  } else if (record.password_set) {
    PHOTON_TRY(auto kv, store.get(keys::bmcSecret(target)));
    if (!kv)
      return fail(ErrorCode::kNotFound, "the BMC password of " + target + " is gone", "password");
    PHOTON_TRY(Json secret, parseStored(*kv));
    access.password = secret.value("password", "");
  }
  return access;
}

}  // namespace photon::coordinator::power
