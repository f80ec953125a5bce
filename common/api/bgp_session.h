// Per-neighbour BGP session timers of the cluster declaration: BFD, and the hold and keepalive
// times. One reader for the three programs that need them — the coordinator (refusing a
// declaration with a bad value), the agent (its bird.conf) and photonctl (the router's side of
// the same sessions) — so that both ends of a session agree on every default.
//
// In a neighbour entry:
//   "bfd": true | false | {"interval_ms": 100, "multiplier": 3}
//   "hold_time": 0 | 3..65535 (seconds; 0: no keepalives, the session never times out)
//   "keepalive_time": 1..hold_time-1 (default hold_time / 3)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

// 100 ms x 3: a dead peer is noticed within 300 ms, well inside the 1 s a VIP may stay
// black-holed; the BFD packets cost ~10 small datagrams a second per session.
inline constexpr int64_t kDefaultBfdIntervalMs = 100;
inline constexpr int64_t kDefaultBfdMultiplier = 3;
// A data-centre fabric's usual BGP timers (FRR's datacenter profile): where BFD is off, a
// silent peer is dropped after 9 s instead of BIRD's 240 s.
inline constexpr int64_t kDefaultHoldTimeS = 9;
inline constexpr int64_t kDefaultKeepaliveTimeS = 3;

struct BfdTimers {
  bool enabled = false;
  int64_t interval_ms = kDefaultBfdIntervalMs;  // both ways: min tx and min rx
  int64_t multiplier = kDefaultBfdMultiplier;

  bool operator==(const BfdTimers&) const = default;
};

struct BgpSessionTimers {
  BfdTimers bfd;
  int64_t hold_time_s = kDefaultHoldTimeS;
  int64_t keepalive_time_s = kDefaultKeepaliveTimeS;  // 0 when hold_time_s is 0

  bool operator==(const BgpSessionTimers&) const = default;
};

// Reads the timers of one neighbour entry at `path` ("bgp.nodes.n1.neighbors[0]").
// `direct`: an external (eBGP) session, which BIRD runs only to a neighbour on a directly
// connected segment — there BFD is on unless the entry says "bfd": false. Internal sessions are
// multihop to BIRD, and get BFD only when asked for.
[[nodiscard]] Result<BgpSessionTimers> readSessionTimers(const Json& neighbor,
                                                         const std::string& path, bool direct);

// A TCP MD5 password that is safe inside a BIRD string literal on either end of the session:
// 1-80 printable characters without spaces, '"' or '\' (a newline would end the statement).
bool isSafeBgpPassword(std::string_view text);

// Checks the session timers of every neighbour of a declaration's "bgp" section (its "peers" and
// each of "nodes".*."neighbors"); the first error names its field. The rest of each node's
// section is the agent's to validate.
[[nodiscard]] Status validateBgpSessions(const Json& bgp);

}  // namespace photon::common
