#include "agent/core/node_certificate.h"

#include <chrono>
#include <fstream>

#include "agent/core/state_file.h"
#include "common/json_dump.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "common/pki.h"

namespace photon::agent {

bool certificateNeedsRenewal(const std::string& state_dir, int64_t now) {
  auto pem = readFile(state_dir + "/" + kNodeCertFile);
  if (!pem) return true;
  auto info = common::pki::readCertificate(*pem);
  if (!info || info->not_after <= info->not_before) return true;
  int64_t life = info->not_after - info->not_before;
  return now >= info->not_after - life / 3;
}

common::Status requestNodeCertificate(common::HttpClient& client, const std::string& state_dir,
                                      const std::string& node_id, const std::string& ssh_host_key) {
  PHOTON_TRY(auto made, common::pki::makeKeyAndRequest(node_id));
  common::Json body = {{"csr", made.request_pem}};
  if (!ssh_host_key.empty()) body["ssh_host_key"] = ssh_host_key;
  PHOTON_TRY(auto response, client.request("POST", "/api/v1/nodes/" + node_id + "/certificate",
                                           common::dumpJson(body)));
  // 404: a coordinator older than node certificates.
  if (response.status == 403 || response.status == 404) {
    return common::fail(
        common::ErrorCode::kForbidden,
        "the coordinator issues no node certificates: " + common::describeHttpError(response));
  }
  if (response.status != 200) {
    return common::fail(common::ErrorCode::kUnavailable,
                        "certificate request: " + common::describeHttpError(response));
  }
  auto answer = common::parseJsonBody(response.body);
  if (!answer) return std::unexpected(answer.error().context("certificate answer"));
  PHOTON_TRY(std::string cert, common::readString(*answer, "certificate", ""));
  auto info = common::pki::readCertificate(cert);
  if (!info || info->common_name != node_id) {
    return common::fail(common::ErrorCode::kUnavailable,
                        "the coordinator's certificate does not name node " + node_id);
  }
  // The key first: a certificate without its key would be a broken pair after a crash.
  PHOTON_CHECK(writeFileAtomic(state_dir + "/" + kNodeKeyFile, made.key_pem, 0600));
  PHOTON_CHECK(writeFileAtomic(state_dir + "/" + kNodeCertFile, cert, 0644));
  return {};
}

std::string readSshHostKey(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  return line.size() > 2048 ? std::string() : line;
}

int64_t renewNodeCertificate(common::HttpClient& client, const std::string& state_dir,
                             const std::string& node_id) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (certificateNeedsRenewal(state_dir, now)) {
    auto got = requestNodeCertificate(client, state_dir, node_id,
                                      readSshHostKey("/etc/ssh/ssh_host_ed25519_key.pub"));
    if (!got && got.error().code == common::ErrorCode::kForbidden) return 0;
    if (!got) {
      common::logWarning("node certificate: " + got.error().message + "; trying again in 5 min");
      return now + 300;
    }
    common::logNotice("node " + node_id + ": client certificate renewed");
    auto used = client.useClientCertificate(state_dir + "/" + kNodeCertFile,
                                            state_dir + "/" + kNodeKeyFile);
    if (!used) common::logWarning("node certificate: " + used.error().message);
  }
  auto pem = readFile(state_dir + "/" + kNodeCertFile);
  if (!pem) return 0;
  auto info = common::pki::readCertificate(*pem);
  if (!info) return 0;
  return info->not_after - (info->not_after - info->not_before) / 3;
}

}  // namespace photon::agent
