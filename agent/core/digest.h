// SHA-256 as lowercase hex (OpenSSL EVP): facts digests and state-file checksums.
#pragma once

#include <string>
#include <string_view>

namespace photon::agent {

std::string sha256Hex(std::string_view data);

}  // namespace photon::agent
