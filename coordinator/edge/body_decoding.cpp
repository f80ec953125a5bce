#include "coordinator/edge/body_decoding.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace photon::coordinator {
namespace {

std::string lowerTrimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

common::Result<std::string> inflateBounded(const std::string& in, int window_bits,
                                           size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) {
    return std::unexpected(common::Error{common::ErrorCode::kInternal, "cannot start zlib", ""});
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return common::invalid("Content-Encoding", "the body is not valid compressed data");
    }
    size_t produced = sizeof(chunk) - z.avail_out;
    if (out.size() + produced > max_bytes) {
      inflateEnd(&z);
      return std::unexpected(
          common::Error{common::ErrorCode::kTooLarge,
                        "the body inflates past " + std::to_string(max_bytes) + " bytes", "body"});
    }
    out.append(chunk, produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0) {
      inflateEnd(&z);
      return common::invalid("Content-Encoding", "the compressed body is truncated");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace

bool knownContentEncoding(std::string_view content_encoding) {
  std::string e = lowerTrimmed(content_encoding);
  return e.empty() || e == "identity" || e == "gzip" || e == "x-gzip" || e == "deflate";
}

common::Result<std::string> decodeBody(std::string body, std::string_view content_encoding,
                                       size_t max_bytes) {
  std::string e = lowerTrimmed(content_encoding);
  if (e.empty() || e == "identity") return body;
  if (e == "gzip" || e == "x-gzip") return inflateBounded(body, 16 + MAX_WBITS, max_bytes);
  if (e == "deflate") return inflateBounded(body, MAX_WBITS, max_bytes);
  return common::invalid("Content-Encoding",
                         "unsupported encoding \"" + e + "\" (gzip, deflate or identity)");
}

}  // namespace photon::coordinator
