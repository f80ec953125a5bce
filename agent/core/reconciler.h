// One reconciler per domain (nixos, units, vms, bgp). The agent's loop hands each the section
// of the desired document it owns and reports what each returns. Inside, a reconciler observes
// the OS, plans (a pure function of desired and observed, unit-tested) and applies the plan
// through its adapters.
#pragma once

#include <string>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

using common::Json;

class Reconciler {
 public:
  virtual ~Reconciler() = default;

  // The desired document's key this reconciler owns: "system", "units", "vms", "bgp".
  virtual std::string section() const = 0;

  // Checks a section before anything is applied; when any section is invalid the loop refuses
  // the whole document and keeps the previous one running.
  [[nodiscard]] virtual common::Status validate(const Json& section) const = 0;

  // Moves the node towards `section` (null when the document has none: keep what runs, start
  // nothing new) and returns the observed state to report under the same key.
  virtual Json reconcile(const Json& section) = 0;

  // A clean stop (SIGTERM): e.g. the BGP domain withdraws its VIPs first. Workloads keep running.
  virtual void shutdown() {}
};

}  // namespace photon::agent
