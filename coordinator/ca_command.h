// The cluster CA that signs the nodes' client certificates: `photon-coordinator ca init DIR`
// makes one, and --node-ca-cert/--node-ca-key load it.
#pragma once

#include <string>

#include "common/pki.h"
#include "common/result.h"

namespace photon::coordinator {

// argv as after `ca`: argv[0] is "init", argv[1] the DIR. Returns the exit code.
int runCaInit(int argc, char** argv);

// The CA's certificate and key; refuses a key file others can read.
[[nodiscard]] common::Result<common::pki::Authority> loadNodeCa(const std::string& cert_file,
                                                                const std::string& key_file);

}  // namespace photon::coordinator
