#include "coordinator/auth/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>

namespace photon::coordinator {
namespace {
std::string toHex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}
}  // namespace

common::Result<std::string> generateToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return common::fail(common::ErrorCode::kInternal, "RAND_bytes failed");
  }
  return toHex(bytes, sizeof bytes);
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up in its provider store on
  // every digest, a measurable share of each agent poll (every poll hashes its bearer token).
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_Digest(data.data(), data.size(), digest, &length, sha256 ? sha256 : EVP_sha256(), nullptr);
  return toHex(digest, length);
}

bool tokenMatchesHash(std::string_view token, std::string_view stored_hash) {
  std::string presented = sha256Hex(token);
  if (presented.size() != stored_hash.size()) return false;
  return CRYPTO_memcmp(presented.data(), stored_hash.data(), presented.size()) == 0;
}

common::Result<std::string> readTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::fail(common::ErrorCode::kInvalid, "cannot read token file " + path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.pop_back();
  }
  if (line.size() < 16) {
    return common::fail(common::ErrorCode::kInvalid,
                        "token file " + path + " must hold a token of at least 16 characters");
  }
  return line;
}

}  // namespace photon::coordinator
