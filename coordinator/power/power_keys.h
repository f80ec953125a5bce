// Where power control keeps its records in the store. A "target" is a node id, or the name of a
// declared node that has not enrolled yet (a machine must be switched on before it phones home).
#pragma once

#include <string>

namespace photon::coordinator::power::keys {

// How to reach the BMC (no password in it), and apart, the password an admin gave, which no
// read of the API returns.
inline constexpr const char* kBmcPrefix = "bmc/";
inline std::string bmc(const std::string& target) {
  return kBmcPrefix + target;
}
inline std::string bmcSecret(const std::string& target) {
  return "bmc-secret/" + target;
}
// Operations asked for and not yet taken by the leader's power service.
inline constexpr const char* kRequestsPrefix = "power-requests/";
inline std::string requests(const std::string& target) {
  return kRequestsPrefix + target;
}
// Operations the leader took and has not finished: a leader that dies with one in hand leaves
// it here for the next (recordOutcome removes each in the same transaction as its outcome).
inline constexpr const char* kRunningPrefix = "power-running/";
inline std::string running(const std::string& target) {
  return kRunningPrefix + target;
}
// The power state last read, its error, and the history of operations.
inline constexpr const char* kStatusPrefix = "power/";
inline std::string status(const std::string& target) {
  return kStatusPrefix + target;
}

}  // namespace photon::coordinator::power::keys
