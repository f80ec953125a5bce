// --listen HOST:PORT, and whether its host is one only this machine can reach (where plain HTTP
// is allowed without --insecure-http).
#pragma once

#include <string>

namespace photon::coordinator {

// "127.0.0.1:7480", "[::1]:0" → host (without brackets) and port; false when malformed.
bool splitHostPort(const std::string& listen, std::string& host, int& port);

// 127.0.0.0/8, ::1 and "localhost".
bool isLoopbackHost(const std::string& host);

}  // namespace photon::coordinator
