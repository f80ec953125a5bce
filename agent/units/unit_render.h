// Turns a desired instance into the transient unit that runs it (pure), and reads back which
// instance revision a running unit was started for: the revision lives in the unit's
// Description, so an agent that restarts learns it from systemd and needs no state file.
#pragma once

#include <optional>
#include <string>

#include "agent/units/instance_spec.h"
#include "agent/units/systemd_bus.h"

namespace photon::agent {

struct RenderOptions {
  // Where container images (directory trees, one per image name) live: nspawn's convention.
  std::string images_dir = "/var/lib/machines";
  std::string nspawn_path = "/usr/bin/systemd-nspawn";
};

TransientUnit renderUnit(const InstanceSpec& spec, const RenderOptions& options = {});

std::string unitDescription(const std::string& instance, const std::string& revision);
// The revision encoded by unitDescription, or nothing for a unit not described that way.
std::optional<std::string> revisionFromDescription(const std::string& description);

}  // namespace photon::agent
