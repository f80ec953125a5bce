// Tokens: random, handed out once, stored only as SHA-256, compared in constant time.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace photon::coordinator {

// 32 random bytes from OpenSSL, hex-encoded.
[[nodiscard]] common::Result<std::string> generateToken();
std::string sha256Hex(std::string_view data);
// Compares a presented token with a stored hash without leaking timing.
bool tokenMatchesHash(std::string_view token, std::string_view stored_hash);
// Reads a token file: the first line, trimmed; an empty or unreadable file is an error.
[[nodiscard]] common::Result<std::string> readTokenFile(const std::string& path);

}  // namespace photon::coordinator
