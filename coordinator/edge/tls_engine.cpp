#include "coordinator/edge/tls_engine.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace photon::coordinator {

namespace {

// Drained buffers are given back: an idle connection (10,000 held polls) keeps none; a malloc
// per read or write is the price.
void release(std::string& buffer) {
  std::string().swap(buffer);
}

std::string describeErrors(int ssl_error) {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof(text));
    if (!out.empty()) out += ", ";
    out += text;
  }
  if (out.empty()) out = "TLS error " + std::to_string(ssl_error);
  return out;
}

}  // namespace

BIO_METHOD* TlsEngine::bioMethod() {
  // One method for every engine, made once (thread-safe static); never freed.
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "photon-tls");
    BIO_meth_set_read(m, &TlsEngine::bioRead);
    BIO_meth_set_write(m, &TlsEngine::bioWrite);
    BIO_meth_set_ctrl(m, &TlsEngine::bioCtrl);
    return m;
  }();
  return method;
}

TlsEngine::TlsEngine(ssl_ctx_st* ctx, bool server) {
  ssl_ = SSL_new(ctx);
  if (!ssl_) return;
  BIO* bio = BIO_new(bioMethod());
  if (!bio) {
    SSL_free(ssl_);
    ssl_ = nullptr;
    return;
  }
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways: SSL_free frees it
  if (server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
}

TlsEngine::~TlsEngine() {
  if (ssl_) SSL_free(ssl_);
}

TlsEngine::Result TlsEngine::finish(int ret) {
  if (ret > 0) return {Want::kDone, static_cast<size_t>(ret)};
  int error = SSL_get_error(ssl_, ret);
  switch (error) {
    case SSL_ERROR_WANT_READ:
      return {Want::kInput, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {Want::kClosed, 0};
    default:
      // SSL_ERROR_WANT_WRITE cannot happen: the BIO takes every byte.
      error_code_ = ERR_peek_error();  // the first queued: usually the root cause
      error_ = describeErrors(error);
      return {Want::kFailed, 0};
  }
}

TlsEngine::Result TlsEngine::handshake() {
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) return {Want::kDone, 0};
  return finish(ret);
}

TlsEngine::Result TlsEngine::read(void* data, size_t size) {
  ERR_clear_error();
  return finish(SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(size, INT_MAX))));
}

TlsEngine::Result TlsEngine::write(const void* data, size_t size) {
  ERR_clear_error();
  return finish(SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, INT_MAX))));
}

void TlsEngine::shutdown() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

char* TlsEngine::prepareInput(size_t size) {
  if (in_size_ + size > in_capacity_) {
    // Not zero-filled (the socket writes it: 10,000 connections going back to reading at once
    // would otherwise spend their time in memset and page faults), and only the bytes OpenSSL
    // has not read yet are kept. (std::string::resize_and_overwrite would do, but libstdc++
    // 12's loses the old contents when it reallocates.)
    size_t unread = in_size_ - in_pos_;
    auto fresh = std::make_unique_for_overwrite<char[]>(unread + size);
    if (unread > 0) std::memcpy(fresh.get(), in_.get() + in_pos_, unread);
    in_ = std::move(fresh);
    in_capacity_ = unread + size;
    in_size_ = unread;
    in_pos_ = 0;
  }
  in_size_ += size;
  return in_.get() + in_size_ - size;
}

void TlsEngine::commitInput(size_t reserved, size_t used) {
  in_size_ -= reserved - std::min(used, reserved);
  if (in_pos_ == in_size_) releaseInput();
}

void TlsEngine::releaseInput() {
  in_.reset();
  in_capacity_ = in_size_ = in_pos_ = 0;
}

void TlsEngine::sent() {
  release(out_);
}

int TlsEngine::bioRead(bio_st* bio, char* data, int size) {
  auto* self = static_cast<TlsEngine*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  size_t available = self->in_size_ - self->in_pos_;
  if (available == 0 || size <= 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  size_t n = std::min(available, static_cast<size_t>(size));
  std::memcpy(data, self->in_.get() + self->in_pos_, n);
  self->in_pos_ += n;
  if (self->in_pos_ == self->in_size_) self->releaseInput();
  return static_cast<int>(n);
}

int TlsEngine::bioWrite(bio_st* bio, const char* data, int size) {
  auto* self = static_cast<TlsEngine*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (size <= 0) return 0;
  self->out_.append(data, static_cast<size_t>(size));
  return size;
}

long TlsEngine::bioCtrl(bio_st*, int cmd, long, void*) {
  // Only flush means anything here: output waits in out_ until the stream sends it.
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

}  // namespace photon::coordinator
