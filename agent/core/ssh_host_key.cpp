#include "agent/core/ssh_host_key.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "agent/core/node_certificate.h"
#include "agent/core/state_file.h"

namespace photon::agent {

namespace {

using common::ErrorCode;

constexpr const char* kKeyType = "ssh-ed25519";

// OpenSSH's wire encoding (RFC 4251): uint32 big-endian, and strings prefixed by their length.
void putUint32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void putString(std::string& out, const std::string& s) {
  putUint32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string publicBlob(const std::string& public_key) {
  std::string blob;
  putString(blob, kKeyType);
  putString(blob, public_key);
  return blob;
}

}  // namespace

common::Result<SshHostKey> makeSshHostKey(const std::string& comment) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return common::fail(ErrorCode::kInternal, "cannot make an Ed25519 key (OpenSSL)");
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
  std::string seed(32, '\0'), pub(32, '\0');
  size_t seed_len = seed.size(), pub_len = pub.size();
  uint32_t check = 0;
  if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(seed.data()),
                                   &seed_len) != 1 ||
      EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()),
                                  &pub_len) != 1 ||
      seed_len != 32 || pub_len != 32 ||
      RAND_bytes(reinterpret_cast<unsigned char*>(&check), sizeof(check)) != 1) {
    return common::fail(ErrorCode::kInternal, "cannot read the Ed25519 key back (OpenSSL)");
  }

  // The private section: a check word twice (how OpenSSH tells a wrong passphrase), the key
  // (OpenSSH keeps seed || public as the 64-byte private key), the comment, then padding
  // 1, 2, 3... to the cipher's block size (8 for "none").
  std::string secret;
  putUint32(secret, check);
  putUint32(secret, check);
  putString(secret, kKeyType);
  putString(secret, pub);
  putString(secret, seed + pub);
  putString(secret, comment);
  for (char pad = 1; secret.size() % 8 != 0; ++pad) secret.push_back(pad);

  std::string body("openssh-key-v1", 15);  // with its terminating NUL
  putString(body, "none");                 // cipher
  putString(body, "none");                 // kdf
  putString(body, "");                     // kdf options
  putUint32(body, 1);                      // one key
  putString(body, publicBlob(pub));
  putString(body, secret);
  OPENSSL_cleanse(seed.data(), seed.size());

  SshHostKey out;
  out.private_pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  std::string encoded = base64(body);
  for (size_t at = 0; at < encoded.size(); at += 70)
    out.private_pem += encoded.substr(at, 70) + "\n";
  out.private_pem += "-----END OPENSSH PRIVATE KEY-----\n";
  OPENSSL_cleanse(body.data(), body.size());
  OPENSSL_cleanse(secret.data(), secret.size());
  out.public_line = std::string(kKeyType) + " " + base64(publicBlob(pub)) +
                    (comment.empty() ? "" : " " + comment);
  return out;
}

common::Result<std::string> ensureSshHostKey(const std::string& private_path,
                                             const std::string& comment) {
  const std::string public_path = private_path + ".pub";
  std::error_code ec;
  if (std::filesystem::exists(private_path, ec)) {
    std::string line = readSshHostKey(public_path);
    if (line.empty()) {
      return common::fail(ErrorCode::kNotFound,
                          private_path + " exists but " + public_path + " is missing or empty");
    }
    return line;
  }
  std::filesystem::create_directories(std::filesystem::path(private_path).parent_path(), ec);
  PHOTON_TRY(SshHostKey made, makeSshHostKey(comment));
  // The private key first: a public key whose private half was lost would be vouched for in
  // known_hosts and never served.
  PHOTON_CHECK(writeFileAtomic(private_path, made.private_pem, 0600));
  PHOTON_CHECK(writeFileAtomic(public_path, made.public_line + "\n", 0644));
  return made.public_line;
}

}  // namespace photon::agent
