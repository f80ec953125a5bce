#include <zlib.h>

#include <catch2/catch.hpp>

#include "coordinator/edge/body_decoding.h"

using namespace photon::coordinator;
using photon::common::ErrorCode;

namespace {
std::string gzip(const std::string& plain) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  std::string out(deflateBound(&z, plain.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
}  // namespace

TEST_CASE("body decoding: gzip is inflated, identity kept", "[edge]") {
  std::string doc = R"({"facts": {"cpu": 4}})";
  auto plain = decodeBody(doc, "", 1024);
  REQUIRE(plain);
  CHECK(*plain == doc);
  auto inflated = decodeBody(gzip(doc), "gzip", 1024);
  REQUIRE(inflated);
  CHECK(*inflated == doc);
  CHECK(knownContentEncoding(" GZIP "));
  CHECK_FALSE(knownContentEncoding("br"));
}

TEST_CASE("body decoding: a zip bomb stops at the limit, corrupt data is an error", "[edge]") {
  // 64 MiB of zeros compress to ~64 kB: well within a 1 MiB body limit as sent.
  std::string bomb = gzip(std::string(64u << 20, '\0'));
  CHECK(bomb.size() < (1u << 20));
  auto refused = decodeBody(bomb, "gzip", 1u << 20);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kTooLarge);

  auto corrupt = decodeBody("not gzip at all", "gzip", 1024);
  REQUIRE_FALSE(corrupt);
  CHECK(corrupt.error().code == ErrorCode::kInvalid);
  CHECK(corrupt.error().field == "Content-Encoding");

  std::string whole = gzip("{\"a\": 1}");
  auto truncated = decodeBody(whole.substr(0, whole.size() / 2), "gzip", 1024);
  REQUIRE_FALSE(truncated);
  CHECK(truncated.error().code == ErrorCode::kInvalid);

  auto unknown = decodeBody("x", "br", 1024);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().field == "Content-Encoding");
}
