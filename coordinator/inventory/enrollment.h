// Enrollment rules: which rule a phoning-home machine falls under. Pure.
#pragma once

#include "common/api/cluster.h"
#include "common/api/node.h"

namespace photon::coordinator {

// The winning rule: highest priority, then most selectors, then first by name. Nothing when
// no rule matches (the machine stays discovered for an operator).
const common::EnrollmentRule* matchRule(const std::vector<common::EnrollmentRule>& rules,
                                        const common::PhoneHomeRequest& machine);

bool ruleMatches(const common::RuleMatch& match, const common::PhoneHomeRequest& machine);

}  // namespace photon::coordinator
