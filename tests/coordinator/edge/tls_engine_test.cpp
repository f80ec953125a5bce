// The edge's TLS engine between two of its own instances, bytes carried in memory: a real
// OpenSSL handshake against a certificate made by the openssl CLI, records both ways, a
// close_notify, and bytes that are not TLS.
#include <openssl/ssl.h>

#include <catch2/catch.hpp>

#include <memory>

#include "coordinator/edge/tls_engine.h"
#include "tests/support/test_ca.h"

using photon::coordinator::TlsEngine;
using Want = TlsEngine::Want;

namespace {

using Context = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

Context serverContext(const photon::test::IssuedCertificate& cert) {
  Context ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  REQUIRE(SSL_CTX_use_certificate_chain_file(ctx.get(), cert.cert_file.c_str()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey_file(ctx.get(), cert.key_file.c_str(), SSL_FILETYPE_PEM) == 1);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

Context clientContext(const std::string& ca_file) {
  Context ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  REQUIRE(SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) == 1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

// Moves what `from` wrote into `to`, as a socket would; returns the bytes moved.
size_t carry(TlsEngine& from, TlsEngine& to) {
  size_t n = from.output().size();
  if (n == 0) return 0;
  char* space = to.prepareInput(n);
  std::copy(from.output().begin(), from.output().end(), space);
  to.commitInput(n, n);
  from.sent();
  return n;
}

// The same, in pieces of `piece` bytes with nothing read between them, as a slow socket
// delivers them: each piece lands behind bytes OpenSSL has not read yet.
size_t carryInPieces(TlsEngine& from, TlsEngine& to, size_t piece) {
  const std::string& out = from.output();
  for (size_t at = 0; at < out.size(); at += piece) {
    size_t n = std::min(piece, out.size() - at);
    char* space = to.prepareInput(piece);  // more room than arrives, as a socket read asks
    std::copy(out.begin() + static_cast<long>(at), out.begin() + static_cast<long>(at + n), space);
    to.commitInput(piece, n);
  }
  size_t total = out.size();
  from.sent();
  return total;
}

// Runs both handshakes, carrying flights back and forth, until both are done (bounded).
void handshake(TlsEngine& client, TlsEngine& server) {
  bool client_done = false, server_done = false;
  for (int round = 0; round < 10 && !(client_done && server_done); ++round) {
    if (!client_done) {
      auto r = client.handshake();
      REQUIRE(r.want != Want::kFailed);
      client_done = r.want == Want::kDone;
    }
    carry(client, server);
    if (!server_done) {
      auto r = server.handshake();
      INFO(server.error());
      REQUIRE(r.want != Want::kFailed);
      server_done = r.want == Want::kDone;
    }
    carry(server, client);
  }
  REQUIRE(client_done);
  REQUIRE(server_done);
}

std::string readAll(TlsEngine& engine, size_t expected) {
  std::string out;
  char buffer[4096];
  while (out.size() < expected) {
    auto r = engine.read(buffer, sizeof buffer);
    if (r.want != Want::kDone) break;
    out.append(buffer, r.bytes);
  }
  return out;
}

}  // namespace

TEST_CASE("TLS engine: handshake, records both ways, close_notify", "[edge]") {
  photon::test::TestCa ca;
  auto server_ctx = serverContext(ca.server("coordinator"));
  auto client_ctx = clientContext(ca.caFile());
  TlsEngine server(server_ctx.get(), /*server=*/true);
  TlsEngine client(client_ctx.get(), /*server=*/false);
  REQUIRE(server.valid());
  REQUIRE(client.valid());

  // Nothing to read yet: the engine asks for input rather than blocking or failing.
  char byte;
  CHECK(server.read(&byte, 1).want == Want::kInput);
  handshake(client, server);
  CHECK(SSL_get_verify_result(client.native()) == X509_V_OK);

  // A request, then an answer bigger than one record (16 kB): every byte arrives, in order.
  const std::string request = "GET /api/v1/nodes/n1/desired?wait=60 HTTP/1.1\r\n\r\n";
  auto wrote = client.write(request.data(), request.size());
  REQUIRE(wrote.want == Want::kDone);
  CHECK(wrote.bytes == request.size());
  CHECK(carry(client, server) > request.size());  // framed and sealed
  CHECK(readAll(server, request.size()) == request);

  std::string answer(40'000, 'x');
  for (size_t i = 0; i < answer.size(); ++i) answer[i] = static_cast<char>('a' + i % 26);
  REQUIRE(server.write(answer.data(), answer.size()).bytes == answer.size());
  carry(server, client);
  CHECK(readAll(client, answer.size()) == answer);
  CHECK(client.read(&byte, 1).want == Want::kInput);  // drained

  // The same answer again, arriving in 1,000-byte pieces before anything is read: every byte
  // kept across the buffer's growth.
  REQUIRE(server.write(answer.data(), answer.size()).bytes == answer.size());
  CHECK(carryInPieces(server, client, 1000) > answer.size());
  CHECK(readAll(client, answer.size()) == answer);

  // The client closes: the server reads the end, not an error.
  client.shutdown();
  CHECK(carry(client, server) > 0);
  auto closed = server.read(&byte, 1);
  INFO(server.error());
  CHECK(closed.want == Want::kClosed);
}

TEST_CASE("TLS engine: bytes that are not TLS fail the handshake with OpenSSL's reason", "[edge]") {
  photon::test::TestCa ca;
  auto server_ctx = serverContext(ca.server("coordinator"));
  TlsEngine server(server_ctx.get(), /*server=*/true);
  const std::string plain = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  char* space = server.prepareInput(plain.size());
  std::copy(plain.begin(), plain.end(), space);
  server.commitInput(plain.size(), plain.size());
  auto r = server.handshake();
  CHECK(r.want == Want::kFailed);
  CHECK_FALSE(server.error().empty());
  CHECK(server.errorCode() != 0);
}

TEST_CASE("TLS engine: a client that does not trust the server's CA fails its handshake",
          "[edge]") {
  photon::test::TestCa ca, other("another-ca");
  auto server_ctx = serverContext(ca.server("coordinator"));
  auto client_ctx = clientContext(other.caFile());
  TlsEngine server(server_ctx.get(), true);
  TlsEngine client(client_ctx.get(), false);
  Want client_state = Want::kInput;
  for (int round = 0; round < 10 && client_state == Want::kInput; ++round) {
    client_state = client.handshake().want;
    carry(client, server);
    server.handshake();  // the server goes on; it is the client that refuses
    carry(server, client);
  }
  CHECK(client_state == Want::kFailed);
  CHECK(client.error().find("certificate verify failed") != std::string::npos);
}
