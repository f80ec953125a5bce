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

// A rule the declaration made for one of its nodes (`nodes.<name>`): it gives the machine that
// node's name (the "photon.io/node" label) and with it the node's BGP config and core services.
bool isDeclaredNodeRule(const common::EnrollmentRule& rule);
// Whether the rule's match pins one machine: its machine-id, or a MAC and a DMI serial together.
// A MAC alone is what any NIC can be set to.
bool pinsIdentity(const common::RuleMatch& match);
// A declared node's rule that matched on what does not pin the machine: the machine takes the
// rule's pool and labels but stays discovered until an operator commissions it.
bool needsCommissioning(const common::EnrollmentRule& rule);

}  // namespace photon::coordinator
