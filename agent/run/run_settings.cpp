#include "agent/run/run_settings.h"

#include "common/daemon/config_file.h"

namespace photon::agent {

common::Result<RunSettings> applyRunConfig(const common::Json& config, RunSettings base) {
  PHOTON_TRY(base.url, common::readString(config, "coordinator", "", base.url));
  PHOTON_TRY(int64_t poll, common::readInt(config, "poll_interval", "", 1, 3600,
                                           static_cast<int64_t>(base.poll_interval)));
  if (config.contains("poll_interval")) base.poll_interval = static_cast<double>(poll);
  PHOTON_TRY(int64_t wait, common::readInt(config, "long_poll", "", 0, 600, base.long_poll));
  base.long_poll = static_cast<int>(wait);
  return base;
}

common::Result<RunSettings> readRunConfig(const std::string& path, RunSettings base) {
  if (path.empty()) return base;
  PHOTON_TRY(common::Json config, common::readJsonConfig(path));
  auto settings = applyRunConfig(config, std::move(base));
  if (!settings) {
    return common::invalid(settings.error().field,
                           path + ": " + common::describeConfigError(settings.error()));
  }
  return settings;
}

}  // namespace photon::agent
