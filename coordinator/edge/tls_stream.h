// A TLS stream for Beast over a beast::tcp_stream, moving TlsEngine's ciphertext over the
// socket: what the edge serves HTTPS with (see tls_engine.h for why not Asio's ssl::stream).
// Every socket operation goes through the tcp_stream; the edge's deadlines
// (connection_deadlines.h) cancel that socket, which ends a TLS operation too. Unlike Asio's
// streams, only ONE operation may be outstanding at a time (a read may send a TLS 1.3 key
// update reply through the same output buffer a write is sending): the edge reads a request,
// then answers, never both at once.
//
// Only http_server.cpp and the long-poll bench include this (Asio compiles slowly).
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <string>

#include "coordinator/edge/tls_engine.h"

namespace photon::coordinator {

class TlsStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  TlsStream(boost::beast::tcp_stream&& next, ssl_ctx_st* ctx, bool server)
      : next_(std::move(next)), engine_(ctx, server) {}
  // The engine's BIO points at this object's engine: never moved.
  TlsStream(TlsStream&&) = delete;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  boost::beast::tcp_stream& next_layer() noexcept { return next_; }
  const boost::beast::tcp_stream& next_layer() const noexcept { return next_; }
  ssl_st* native_handle() const noexcept { return engine_.native(); }
  // OpenSSL's words for the last failure (a handshake refused, say).
  std::string lastError() const { return engine_.error(); }

  template <class Token>
  auto async_handshake(Token&& token) {
    return run([](TlsEngine& e) { return e.handshake(); }, std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    // The first non-empty buffer, as Asio's streams do: an empty one first would read nothing.
    boost::asio::mutable_buffer into;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && into.size() == 0; ++it) {
      into = boost::asio::mutable_buffer(*it);
    }
    return run([into](TlsEngine& e) { return e.read(into.data(), into.size()); },
               std::forward<Token>(token), into.size() == 0);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    // One record of up to 16 kB from however many pieces Beast hands over (a header and a
    // body): fewer records and fewer writes than one per piece.
    std::string plain(std::min<size_t>(boost::asio::buffer_size(buffers), kRecord), '\0');
    boost::asio::buffer_copy(boost::asio::buffer(plain), buffers);
    // Read before the lambda takes `plain`: the order in which run()'s arguments are evaluated
    // is unspecified (clang-tidy's bugprone-use-after-move found it).
    const bool nothing = plain.empty();
    return run(
        [plain = std::move(plain)](TlsEngine& e) { return e.write(plain.data(), plain.size()); },
        std::forward<Token>(token), nothing);
  }

  // Sends close_notify and does not wait for the peer's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run(
        [](TlsEngine& e) {
          e.shutdown();
          return TlsEngine::Result{};
        },
        std::forward<Token>(token));
  }

 private:
  static constexpr size_t kRecord = 16 * 1024;
  // A read between requests starts small: a connection waiting for its next request (all of
  // them, right after a change answers 10,000 polls) holds only this much. A read that fills
  // its chunk says more is coming: the next asks for a whole record and its header.
  static constexpr size_t kFirstRead = 2 * 1024;
  static constexpr size_t kFullRead = 17 * 1024;
  size_t next_read_ = kFirstRead;

  // Calls `step` on the engine until it is done, sending what it writes and reading what it
  // asks for; completes with the step's byte count.
  template <class Step>
  struct Operation {
    TlsStream& stream;
    Step step;
    bool nothing_to_do = false;
    enum class State { kStart, kSending, kReading, kPosted } state = State::kStart;
    TlsEngine::Result result{};
    bool did_io = false;
    size_t reading = 0;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t n = 0) {
      TlsEngine& engine = stream.engine_;
      switch (state) {
        case State::kStart:
          if (nothing_to_do) return completeSoon(self);
          result = step(engine);
          break;
        case State::kSending:
          engine.sent();
          if (ec) return self.complete(ec, 0);
          break;
        case State::kReading:
          engine.commitInput(reading, ec ? 0 : n);
          stream.next_read_ = !ec && n == reading ? kFullRead : kFirstRead;
          if (ec == boost::asio::error::eof) {
            // The peer closed the socket without close_notify.
            return self.complete(boost::asio::ssl::error::stream_truncated, 0);
          }
          if (ec) return self.complete(ec, 0);
          result = step(engine);
          break;
        case State::kPosted:
          return finish(self);
      }
      // Whatever the step wrote goes out first: a handshake's flight, a record, a ticket.
      if (!engine.output().empty()) {
        state = State::kSending;
        did_io = true;
        boost::asio::async_write(stream.next_, boost::asio::buffer(engine.output()),
                                 std::move(self));
        return;
      }
      if (result.want == TlsEngine::Want::kInput) {
        state = State::kReading;
        did_io = true;
        reading = stream.next_read_;
        char* space = engine.prepareInput(reading);
        stream.next_.async_read_some(boost::asio::buffer(space, reading), std::move(self));
        return;
      }
      if (!did_io) return completeSoon(self);
      finish(self);
    }

    // Never complete inside the initiating call: a caller's loop would recurse.
    template <class Self>
    void completeSoon(Self& self) {
      state = State::kPosted;
      boost::asio::post(stream.next_.get_executor(), std::move(self));
    }

    template <class Self>
    void finish(Self& self) {
      switch (result.want) {
        case TlsEngine::Want::kDone:
          return self.complete({}, result.bytes);
        case TlsEngine::Want::kClosed:
          return self.complete(boost::asio::error::eof, 0);
        default: {
          // OpenSSL's own code when it queued one: its category prints OpenSSL's reason.
          unsigned long code = stream.engine_.errorCode();
          return self.complete(
              code != 0 ? boost::system::error_code(static_cast<int>(code),
                                                    boost::asio::error::get_ssl_category())
                        : boost::system::error_code(boost::asio::ssl::error::unexpected_result),
              0);
        }
      }
    }
  };

  template <class Step, class Token>
  auto run(Step step, Token&& token, bool nothing_to_do = false) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        Operation<Step>{*this, std::move(step), nothing_to_do}, token, next_);
  }

  boost::beast::tcp_stream next_;
  TlsEngine engine_;
};

}  // namespace photon::coordinator
