// Errors at domain boundaries (common/result.h's PHOTON_TRY_CTX, PHOTON_CHECK_CTX) and errors
// dropped on purpose (common/error_context.h).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "common/error_context.h"
#include "common/result.h"
#include "tests/support/stderr_capture.h"

using namespace photon::common;
using photon::test::stderrOf;

namespace {

Result<int> answer(bool ok) {
  if (!ok) return fail(ErrorCode::kUnavailable, "etcd: deadline exceeded", "store");
  return 42;
}

Result<int> throughBoundary(bool ok) {
  PHOTON_TRY_CTX(int value, answer(ok), "read the world");
  return value + 1;
}

Status checkThroughBoundary(bool ok) {
  PHOTON_CHECK_CTX(answer(ok), "read node n-1's desired document");
  return {};
}

}  // namespace

TEST_CASE("error context: a boundary names what it was doing, and keeps code and field",
          "[common]") {
  auto failed = throughBoundary(false);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message == "read the world: etcd: deadline exceeded");
  CHECK(failed.error().code == ErrorCode::kUnavailable);
  CHECK(failed.error().field == "store");

  auto passed = throughBoundary(true);
  REQUIRE(passed);
  CHECK(*passed == 43);

  auto checked = checkThroughBoundary(false);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().message == "read node n-1's desired document: etcd: deadline exceeded");
  CHECK(checkThroughBoundary(true));
}

TEST_CASE("ignored errors: a dropped error is logged once with what failed and why", "[common]") {
  std::string logged = stderrOf([] {
    ignoreError(answer(false), "nixos: save the activation's outcome", "the activation is over");
  });
  CHECK(logged.find("nixos: save the activation's outcome: etcd: deadline exceeded, ignoring "
                    "(the activation is over)") != std::string::npos);
  CHECK(logged.find('\n') == logged.size() - 1);  // one line

  std::string quiet = stderrOf([] { ignoreError(answer(true), "read", "unused"); });
  CHECK(quiet.empty());
}
