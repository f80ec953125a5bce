// The few X.509 operations Photon's node certificates need, over OpenSSL: the coordinator's
// cluster CA signs a node's certificate request (CN = the node id, whatever the request says),
// and the agent makes its key and request and checks when its certificate expires. P-256 keys:
// small, fast to make on a node at install.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

struct x509_st;  // OpenSSL's X509

namespace photon::common::pki {

struct KeyAndRequest {
  std::string key_pem;      // PKCS#8, unencrypted: written 0600
  std::string request_pem;  // PKCS#10
};

// A fresh P-256 key and a certificate request for it, signed by it.
Result<KeyAndRequest> makeKeyAndRequest(const std::string& common_name);

struct Authority {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed CA (P-256) valid for `days`.
Result<Authority> makeAuthority(const std::string& common_name, int days);
// Checks that `key_pem` is the key of `cert_pem` and that the certificate is a CA.
Status checkAuthority(const Authority& authority);

struct Issued {
  std::string cert_pem;
  std::string serial_hex;  // upper-case hex, as the edge reads it from a client certificate
  int64_t not_after = 0;   // seconds since the epoch
};

// Signs the public key of `request_pem` (its self-signature must verify) into a client
// certificate for `common_name`, valid from `now` - 5 min (clock skew; a tenth of `validity`
// when that is less) until `now` + `validity`, with a
// random 128-bit serial. The request's own subject and extensions are ignored.
Result<Issued> signRequest(const Authority& authority, const std::string& request_pem,
                           const std::string& common_name, int64_t now,
                           std::chrono::seconds validity);

struct CertificateInfo {
  std::string common_name;
  std::string serial_hex;
  int64_t not_before = 0;
  int64_t not_after = 0;
};
Result<CertificateInfo> readCertificate(const std::string& cert_pem);
// The same, of a certificate OpenSSL already holds (the peer of a TLS connection).
CertificateInfo describeCertificate(const x509_st* cert);

}  // namespace photon::common::pki
