#include "common/http_transport.h"

namespace photon::common {

std::unique_ptr<httplib::Client> makeTransport(const std::string& url,
                                               const TransportOptions& options) {
  auto client = options.client_cert_file.empty()
                    ? std::make_unique<httplib::Client>(url)
                    : std::make_unique<httplib::Client>(url, options.client_cert_file,
                                                        options.client_key_file);
  client->set_tcp_nodelay(true);  // Debian's build leaves Nagle on: 40 ms per small request
  client->set_keep_alive(options.keep_alive);
  client->set_connection_timeout(options.connect_timeout);
  client->set_read_timeout(options.read_timeout);
  client->set_write_timeout(options.read_timeout);
  client->enable_server_certificate_verification(true);
  if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file.c_str());
  return client;
}

bool requestNeverSent(httplib::Error error) {
  return error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout ||
         error == httplib::Error::SSLConnection || error == httplib::Error::BindIPAddress ||
         error == httplib::Error::SSLServerVerification || error == httplib::Error::SSLLoadingCerts;
}

std::string describeTransportError(httplib::Error error, const std::string& url,
                                   const TransportOptions& options) {
  const std::string ca = options.ca_file.empty() ? "the system's CAs" : options.ca_file;
  // Worded as photonctl's error_text expects them after "cannot reach the coordinator at URL: ".
  switch (error) {
    case httplib::Error::Connection:
      return "the connection was refused or the host could not be reached";
    case httplib::Error::ConnectionTimeout:
      return "connecting timed out after " + std::to_string(options.connect_timeout.count()) +
             " ms";
    case httplib::Error::Read:
      return "no answer came (the connection broke or the read timed out)";
    case httplib::Error::Write:
      return "sending the request failed";
    case httplib::Error::SSLConnection:
      // No ';' in these texts: HttpClient joins the failures of several URLs with "; ".
      return "the TLS handshake failed (if it serves plain HTTP, use an http:// URL, or it "
             "refused this client's certificate)";
    case httplib::Error::SSLLoadingCerts:
      return "the TLS files could not be loaded (CA " + ca +
             (options.client_cert_file.empty()
                  ? std::string()
                  : ", client certificate " + options.client_cert_file) +
             ")";
    case httplib::Error::SSLServerVerification:
      return "TLS verification failed: the server's TLS certificate does not verify against " + ca +
             " or does not name the host of " + url;
    case httplib::Error::Canceled:
      return "the request was cancelled";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace photon::common
