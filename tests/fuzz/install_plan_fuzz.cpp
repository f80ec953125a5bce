// Bootstrap's install plan from the coordinator and the steps it fills from it
// (agent/bootstrap/install_steps.cpp): the plan's values go into argument vectors, so a value
// must stay one argument whatever it holds.
#include <cstdlib>

#include "agent/bootstrap/install_steps.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  uint8_t selector = fuzz::takeSelector(text);
  if (selector & 1) {
    // A step written as text in the ISO's config.
    auto argv = agent::splitStep(text);
    if (argv) (void)agent::describeArgv(*argv);
    return 0;
  }
  auto body = common::parseJsonBody(text);
  if (!body) return 0;
  auto plan = common::installPlanFromJson(body->value("install_plan", common::Json::object()),
                                          "install_plan");
  auto steps = body->contains("steps")
                   ? agent::stepsFromJson(*body)
                   : common::Result<std::vector<agent::Argv>>(agent::defaultInstallSteps());
  if (!plan || !steps) return 0;
  auto values = agent::placeholderValues(*plan, "/var/lib/photon");
  for (const auto& step : *steps) {
    auto argv = agent::substitute(step, values);
    if (!argv) continue;
    if (argv->size() != step.size()) std::abort();  // one word stays one argument
    (void)agent::describeArgv(*argv);
  }
  return 0;
}
