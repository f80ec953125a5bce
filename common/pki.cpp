#include "common/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

namespace photon::common::pki {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

std::string opensslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return what;
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return what + ": " + text;
}

std::unexpected<Error> failure(const std::string& what, const std::string& field = "") {
  return std::unexpected(Error{ErrorCode::kInvalid, opensslError(what), field});
}

Bio readBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Key newKey() {
  return Key(EVP_EC_gen("P-256"));
}

std::string keyPem(EVP_PKEY* key) {
  Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return drain(out.get());
}

std::string certPem(X509* cert) {
  Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert);
  return drain(out.get());
}

Result<Key> readKey(const std::string& pem) {
  Bio in = readBio(pem);
  Key key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  if (!key) return failure("not a PEM private key", "key");
  return key;
}

Result<Cert> readCert(const std::string& pem) {
  Bio in = readBio(pem);
  Cert cert(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
  if (!cert) return failure("not a PEM certificate", "certificate");
  return cert;
}

bool setName(X509_NAME* name, const std::string& common_name) {
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(common_name.data()),
                                    static_cast<int>(common_name.size()), -1, 0) == 1;
}

bool addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A random positive 128-bit serial (RFC 5280: at most 20 octets, unpredictable).
bool setRandomSerial(X509* cert, std::string* hex) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] &= 0x7f;
  bytes[0] |= 0x40;  // no leading zero byte: the hex form is always 32 digits
  Bignum bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) return false;
  char* text = BN_bn2hex(bn.get());
  if (!text) return false;
  *hex = text;
  OPENSSL_free(text);
  return true;
}

int64_t asnTimeToEpoch(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

Result<KeyAndRequest> makeKeyAndRequest(const std::string& common_name) {
  Key key = newKey();
  if (!key) return failure("cannot make a P-256 key");
  Req req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 ||
      !setName(X509_REQ_get_subject_name(req.get()), common_name) ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1 ||
      X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    return failure("cannot make a certificate request");
  }
  Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(out.get(), req.get());
  return KeyAndRequest{keyPem(key.get()), drain(out.get())};
}

Result<Authority> makeAuthority(const std::string& common_name, int days) {
  Key key = newKey();
  Cert cert(X509_new());
  std::string serial;
  if (!key || !cert || X509_set_version(cert.get(), 2) != 1 ||
      !setRandomSerial(cert.get(), &serial) ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400) ||
      !setName(X509_get_subject_name(cert.get()), common_name) ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1 ||
      X509_set_pubkey(cert.get(), key.get()) != 1 ||
      !addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return failure("cannot make the CA certificate");
  }
  return Authority{certPem(cert.get()), keyPem(key.get())};
}

Status checkAuthority(const Authority& authority) {
  PHOTON_TRY(Cert cert, readCert(authority.cert_pem));
  PHOTON_TRY(Key key, readKey(authority.key_pem));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return failure("the CA key does not belong to the CA certificate", "key");
  }
  if (X509_check_ca(cert.get()) == 0) {
    return std::unexpected(
        Error{ErrorCode::kInvalid, "the certificate is not a CA", "certificate"});
  }
  return {};
}

Result<Issued> signRequest(const Authority& authority, const std::string& request_pem,
                           const std::string& common_name, int64_t now,
                           std::chrono::seconds validity) {
  PHOTON_TRY(Cert ca, readCert(authority.cert_pem));
  PHOTON_TRY(Key ca_key, readKey(authority.key_pem));
  Bio in = readBio(request_pem);
  Req req(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  if (!req) return failure("not a PEM certificate request", "csr");
  Key subject_key(X509_REQ_get_pubkey(req.get()));
  if (!subject_key || X509_REQ_verify(req.get(), subject_key.get()) != 1) {
    return failure("the request's signature does not verify with its key", "csr");
  }
  // Only keys we would make ourselves: P-256, or RSA of at least 2048 bits.
  int type = EVP_PKEY_get_base_id(subject_key.get());
  if (!(type == EVP_PKEY_EC ||
        (type == EVP_PKEY_RSA && EVP_PKEY_get_bits(subject_key.get()) >= 2048))) {
    return std::unexpected(
        Error{ErrorCode::kInvalid, "the request's key must be EC P-256 or RSA >= 2048", "csr"});
  }
  Cert cert(X509_new());
  Issued issued;
  // Backdated for clock skew: 5 min, or a tenth of a short validity (a certificate of a minute
  // would otherwise spend most of its life before it was issued, and be renewed at once).
  time_t from = static_cast<time_t>(now - std::min<int64_t>(300, validity.count() / 10));
  time_t until = static_cast<time_t>(now + validity.count());
  if (!cert || X509_set_version(cert.get(), 2) != 1 ||
      !setRandomSerial(cert.get(), &issued.serial_hex) ||
      !ASN1_TIME_set(X509_getm_notBefore(cert.get()), from) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()), until) ||
      !setName(X509_get_subject_name(cert.get()), common_name) ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get())) != 1 ||
      X509_set_pubkey(cert.get(), subject_key.get()) != 1 ||
      !addExtension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !addExtension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
      !addExtension(cert.get(), ca.get(), NID_ext_key_usage, "clientAuth") ||
      !addExtension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
      X509_sign(cert.get(), ca_key.get(), EVP_sha256()) <= 0) {
    return std::unexpected(Error{ErrorCode::kInternal, opensslError("cannot sign"), ""});
  }
  issued.cert_pem = certPem(cert.get());
  issued.not_after = static_cast<int64_t>(until);
  return issued;
}

CertificateInfo describeCertificate(const x509_st* cert) {
  CertificateInfo info;
  X509_NAME* subject = X509_get_subject_name(cert);
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at >= 0) {
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
    if (n >= 0) info.common_name.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
  }
  Bignum serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (serial) {
    char* hex = BN_bn2hex(serial.get());
    if (hex) {
      info.serial_hex = hex;
      OPENSSL_free(hex);
    }
  }
  info.not_before = asnTimeToEpoch(X509_get0_notBefore(cert));
  info.not_after = asnTimeToEpoch(X509_get0_notAfter(cert));
  return info;
}

Result<CertificateInfo> readCertificate(const std::string& cert_pem) {
  PHOTON_TRY(Cert cert, readCert(cert_pem));
  return describeCertificate(cert.get());
}

}  // namespace photon::common::pki
