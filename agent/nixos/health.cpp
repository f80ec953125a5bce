#include "agent/nixos/health.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/core/unique_fd.h"
#include "common/api/observed.h"
#include "common/http_client.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

common::Status tcpConnect(const std::string& target, std::chrono::milliseconds timeout) {
  auto hp = parseHostPort(target);
  if (!hp) return fail(ErrorCode::kInvalid, "tcp " + target + ": not IP:PORT");
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  if (hp->host.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(hp->port);
    if (::inet_pton(AF_INET6, hp->host.c_str(), &a6->sin6_addr) != 1) {
      return fail(ErrorCode::kInvalid, "tcp " + target + ": bad address");
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(hp->port);
    if (::inet_pton(AF_INET, hp->host.c_str(), &a4->sin_addr) != 1) {
      return fail(ErrorCode::kInvalid, "tcp " + target + ": bad address");
    }
    len = sizeof(sockaddr_in);
  }
  UniqueFd sock(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.get() < 0)
    return fail(ErrorCode::kInternal, std::string("socket: ") + std::strerror(errno));
  int r = ::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), len);
  if (r != 0 && errno != EINPROGRESS) {
    return fail(ErrorCode::kUnavailable, "tcp " + target + ": " + std::strerror(errno));
  }
  if (r != 0) {
    pollfd p{sock.get(), POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n == 0) return fail(ErrorCode::kUnavailable, "tcp " + target + ": connect timed out");
    int err = 0;
    socklen_t err_len = sizeof err;
    ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (n < 0 || err != 0) {
      return fail(ErrorCode::kUnavailable,
                  "tcp " + target + ": " + std::strerror(n < 0 ? errno : err));
    }
  }
  return {};
}

class RealHealthChecker final : public HealthChecker {
 public:
  RealHealthChecker(ProcessRunner& runner, UnitStates& units, std::chrono::milliseconds timeout)
      : runner_(runner), units_(units), timeout_(timeout) {}

  common::Status check(const HealthSpec& spec) override {
    for (const auto& unit : spec.units) {
      auto state = units_.activeState(unit);
      if (!state) return std::unexpected(state.error().context("unit " + unit));
      if (common::parseEnum<common::InstanceState>(*state) != common::InstanceState::kActive) {
        return fail(ErrorCode::kUnavailable, "unit " + unit + " is " + *state + ", not active");
      }
    }
    for (const auto& url : spec.http) PHOTON_CHECK(httpCheck(url));
    for (const auto& target : spec.tcp) PHOTON_CHECK(tcpConnect(target, timeout_));
    for (const auto& argv : spec.exec) {
      auto r = runner_.run(argv, timeout_);
      if (!r) return std::unexpected(r.error().context("exec " + argv[0]));
      if (!r->ok()) return fail(ErrorCode::kUnavailable, "exec " + argv[0] + ": " + r->describe());
    }
    return {};
  }

 private:
  common::Status httpCheck(const std::string& url) {
    auto parts = splitUrl(url);
    if (!parts) return fail(ErrorCode::kInvalid, "http " + url + ": not a URL");
    common::HttpClientOptions options;
    options.connect_timeout = timeout_;
    options.read_timeout = timeout_;
    PHOTON_TRY(auto client, common::HttpClient::create(parts->base, options));
    auto response = client->request("GET", parts->target);
    if (!response) return std::unexpected(response.error().context("http " + url));
    if (response->status < 200 || response->status > 299) {
      return fail(ErrorCode::kUnavailable,
                  "http " + url + ": status " + std::to_string(response->status));
    }
    return {};
  }

  ProcessRunner& runner_;
  UnitStates& units_;
  std::chrono::milliseconds timeout_;
};
}  // namespace

std::optional<UrlParts> splitUrl(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  auto slash = url.find('/', scheme + 3);
  if (slash == scheme + 3) return std::nullopt;
  if (slash == std::string::npos) return UrlParts{url, "/"};
  return UrlParts{url.substr(0, slash), url.substr(slash)};
}

std::unique_ptr<HealthChecker> makeHealthChecker(ProcessRunner& runner, UnitStates& units,
                                                 std::chrono::milliseconds check_timeout) {
  return std::make_unique<RealHealthChecker>(runner, units, check_timeout);
}

}  // namespace photon::agent
