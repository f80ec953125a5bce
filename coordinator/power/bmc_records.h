// A node's BMC record: set by an admin (PUT /api/v1/nodes/{id}/bmc) or declared with the node
// (nodes.<name>.bmc). The password lives apart from the record (bmc-secret/<target>) or in a
// file on the coordinator's host; no read returns it ("password_set": true).
#pragma once

#include <optional>
#include <string>

#include "common/api/cluster.h"
#include "common/api/node.h"
#include "common/json_fields.h"
#include "coordinator/power/power_driver.h"
#include "coordinator/store/store.h"

namespace photon::coordinator::power {

struct BmcRecord {
  std::string driver;  // ipmi | redfish
  std::string address;
  int port = 0;
  std::string username;
  std::string password_file;                  // absolute path on the coordinator's host, mode 0600
  bool password_set = false;                  // an admin-given password is stored as a secret
  std::string scheme = "https";               // redfish
  std::string system_id;                      // redfish
  bool insecure_tls = false;                  // redfish
  std::string ca_file;                        // redfish
  BootDevice installer = BootDevice::kCdrom;  // what reprovision boots
  std::string source = "api";                 // "api" | "declaration"
};

// The record from a request body or a declaration; the password, when the body has one, goes to
// `password` (write-only). Every field bounded and validated; errors name the field.
common::Result<BmcRecord> bmcFromJson(const common::Json& j, const std::string& path,
                                      std::string* password);
// The record as stored (no password in it).
common::Json toJson(const BmcRecord& record);
// What reads show: the record with "password_set", never the password.
common::Json bmcView(const BmcRecord& record);

// Stores an admin's record and, when given, its password (one transaction). An empty password
// with no password_file keeps the stored secret; a password_file drops it.
[[nodiscard]] common::Status putBmc(Store& store, const std::string& target,
                                    const BmcRecord& record, const std::string& password);
[[nodiscard]] common::Status deleteBmc(Store& store, const std::string& target);

// The declared node a target is: the target itself when it is a declared name, else the name of
// the declared node an enrolled node was matched as (its rule "node-<name>").
std::optional<std::string> declaredName(const common::Cluster& cluster, const std::string& target,
                                        const common::Node* node);
// A declared node's BMC, if it has one.
common::Result<std::optional<BmcRecord>> declaredBmc(const common::Cluster& cluster,
                                                     const std::string& name);

// Every declared node's BMC, validated: the first error names its field (nodes[i].bmc.…).
[[nodiscard]] common::Status checkDeclaredBmcs(const common::Cluster& cluster);
// The BMC for a target: an admin's record first, else the declaration's. kNotFound when none.
common::Result<BmcRecord> findBmc(Store& store, const common::Cluster& cluster,
                                  const std::string& target, const common::Node* node);
// How to reach it, the password read (from the secret or the file). Runs on the power pool.
common::Result<BmcAccess> accessFor(Store& store, const std::string& target,
                                    const BmcRecord& record);
// Reads a password file: a regular file readable by its owner alone, at most 256 bytes; the
// trailing newline dropped.
common::Result<std::string> readPasswordFile(const std::string& path);

}  // namespace photon::coordinator::power
