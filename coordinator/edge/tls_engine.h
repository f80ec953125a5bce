// One TLS connection's OpenSSL state, with no socket: ciphertext goes in through
// prepareInput()/commitInput() and comes out through output(). The edge's TLS stream (tls_stream.h)
// moves the bytes over the socket. Why not Asio's ssl::stream: it keeps two 17 kB buffers and a 2 ×
// 17 kB BIO pair per connection whether it is busy or idle, 68 kB that 10,000 held long-polls
// cannot afford; here the buffers hold only what is in flight and are given back when it is done,
// and OpenSSL's own (SSL_MODE_RELEASE_BUFFERS) likewise.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

struct ssl_st;         // OpenSSL's SSL
struct ssl_ctx_st;     // OpenSSL's SSL_CTX
struct bio_st;         // OpenSSL's BIO
struct bio_method_st;  // OpenSSL's BIO_METHOD

namespace photon::coordinator {

class TlsEngine {
 public:
  enum class Want {
    kDone,    // the call completed (see the result's bytes)
    kInput,   // needs more ciphertext: prepareInput()/commitInput() some, then call again
    kClosed,  // the peer sent close_notify
    kFailed,  // a protocol error (error() says which); the connection is over
  };
  struct Result {
    Want want = Want::kDone;
    size_t bytes = 0;
  };

  // `server`: accept a handshake, else start one.
  TlsEngine(ssl_ctx_st* ctx, bool server);
  ~TlsEngine();
  TlsEngine(const TlsEngine&) = delete;
  TlsEngine& operator=(const TlsEngine&) = delete;

  bool valid() const { return ssl_ != nullptr; }
  Result handshake();
  Result read(void* data, size_t size);
  Result write(const void* data, size_t size);
  // Queues close_notify (sent with the next output()); the peer's is not waited for.
  void shutdown();

  // Room for `size` bytes of ciphertext from the peer (read straight into it), then how many
  // of them arrived.
  char* prepareInput(size_t size);
  void commitInput(size_t reserved, size_t used);
  // Ciphertext OpenSSL wrote for the peer; the caller sends it and then calls sent().
  const std::string& output() const { return out_; }
  void sent();
  // What failed, in OpenSSL's words, and its packed error code (0 when none was queued).
  std::string error() const { return error_; }
  unsigned long errorCode() const { return error_code_; }
  ssl_st* native() const { return ssl_; }

 private:
  Result finish(int ret);
  static bio_method_st* bioMethod();
  static int bioRead(bio_st* bio, char* data, int size);
  static int bioWrite(bio_st* bio, const char* data, int size);
  static long bioCtrl(bio_st* bio, int cmd, long num, void* ptr);

  void releaseInput();

  ssl_st* ssl_ = nullptr;
  // Ciphertext from the peer: [in_pos_, in_size_) not yet read by OpenSSL.
  std::unique_ptr<char[]> in_;
  size_t in_capacity_ = 0;
  size_t in_size_ = 0;
  size_t in_pos_ = 0;
  std::string out_;
  std::string error_;
  unsigned long error_code_ = 0;
};

}  // namespace photon::coordinator
