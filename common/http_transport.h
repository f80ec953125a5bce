// How every outgoing HTTP(S) connection of Photon is set up, and what its failures mean: the
// agent's and photonctl's calls to the coordinator (common/http_client) and the coordinator's to
// etcd (coordinator/store/etcd_client) share it, so TLS verification, client certificates and
// the "was it ever sent?" rule are one piece of code.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>

namespace photon::common {

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds read_timeout{10000};
  // https:// is always verified: against this CA file when set (a private CA), else the
  // system's. The server's name must match the URL's host.
  std::string ca_file;
  // This client's certificate and key, for a server that knows clients by certificate.
  std::string client_cert_file;
  std::string client_key_file;
  bool keep_alive = true;
};

std::unique_ptr<httplib::Client> makeTransport(const std::string& url,
                                               const TransportOptions& options);

// Whether a failed request surely never reached the server (so sending it elsewhere is safe
// even when it is not idempotent).
bool requestNeverSent(httplib::Error error);

// A failure as a sentence an operator can act on: "connection refused", "the server's TLS
// certificate does not verify against /etc/photon/ca.crt for host coord1", …
std::string describeTransportError(httplib::Error error, const std::string& url,
                                   const TransportOptions& options);

}  // namespace photon::common
