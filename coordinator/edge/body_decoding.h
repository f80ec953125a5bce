// Request bodies sent with a Content-Encoding: gzip (and deflate) are inflated here, with the
// inflated size bounded as the compressed one is, so that a 1 MiB "zip bomb" cannot grow into
// gigabytes of coordinator memory.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace photon::coordinator {

// The body as the handlers should see it. "identity" or no encoding: unchanged. "gzip",
// "x-gzip", "deflate": inflated, kTooLarge past `max_bytes`, kInvalid when corrupt. Anything
// else: kInvalid naming the Content-Encoding header (the edge answers 415).
common::Result<std::string> decodeBody(std::string body, std::string_view content_encoding,
                                       size_t max_bytes);

// Whether decodeBody knows `content_encoding` (else the edge answers 415).
bool knownContentEncoding(std::string_view content_encoding);

}  // namespace photon::coordinator
