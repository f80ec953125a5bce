// BIRD's control-socket line protocol, parsed without I/O.
//
// Every line is "NNNN-text" (more follows), "NNNN text" (the last line of the reply), " text"
// (continues the previous line's code) or "+text" (a spontaneous message, not part of a reply).
// 0xxx is success, 1xxx/2xxx are table rows and headings, 8xxx run-time and 9xxx parse errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/observed.h"
#include "common/result.h"

namespace photon::agent {

struct BirdLine {
  int code = 0;  // continuation lines carry the code of the line they continue
  std::string text;
};

struct BirdReply {
  int code = 0;                 // the final line's code
  std::vector<BirdLine> lines;  // every line of the reply, the final one last

  bool ok() const { return code < 8000; }
  // The final line's text: "Configuration OK", or BIRD's error message.
  std::string message() const;
};

// Accumulates bytes from the socket and hands out complete replies.
class BirdReplyReader {
 public:
  // Bounds what one reply may grow to; `show route` of a full table can be large.
  static constexpr size_t kMaxReplyBytes = 64 << 20;

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete reply, nothing when more bytes are needed, an error when a line is not
  // BIRD's protocol or the reply is too large.
  [[nodiscard]] common::Result<std::optional<BirdReply>> next();
  // Spontaneous ("+") lines seen so far, taken out of the replies.
  std::vector<std::string> takeSpontaneous() { return std::move(spontaneous_); }

 private:
  std::string buffer_;
  BirdReply partial_;
  size_t partial_bytes_ = 0;
  std::vector<std::string> spontaneous_;
};

// Parses a whole recorded exchange (e.g. a fixture): the replies in order.
[[nodiscard]] common::Result<std::vector<BirdReply>> parseBirdReplies(std::string_view bytes);

// One row of `show protocols [all]`.
struct BirdProtocol {
  std::string name;
  std::string proto;  // "BGP", "Static", "Device"
  std::string table;
  std::string state;             // "up", "down", "start"
  std::string since;             // as BIRD prints it; changes whenever the protocol restarts
  std::string info;              // "Established", "Active", "Connect", …
  std::string neighbor_address;  // from `all`, for BGP
  std::string bgp_state;         // from `all`, for BGP
};
[[nodiscard]] common::Result<std::vector<BirdProtocol>> parseProtocols(const BirdReply& reply);
// A BGP protocol whose session is up (BIRD's info column names the session's state).
inline bool isEstablishedBgp(const BirdProtocol& p) {
  return p.proto == "BGP" && common::parseEnum<common::BgpSessionState>(p.info) ==
                                 common::BgpSessionState::kEstablished;
}

// One route of `show route all`.
struct BirdRoute {
  std::string prefix;
  std::string protocol;
  std::vector<std::string> communities;  // "65000:100" and large ones "65000:1:2"
};
[[nodiscard]] common::Result<std::vector<BirdRoute>> parseRoutes(const BirdReply& reply);

}  // namespace photon::agent
