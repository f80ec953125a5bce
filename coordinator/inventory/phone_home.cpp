// Enrollment: a machine booted from the ISO phones home with its facts; it becomes a node (or is
// recognised as the node it already is), rules give it a class, pool and profile, and once it is
// install-pending it receives an install plan with an address from its pool.
#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "coordinator/auth/tokens.h"
#include "coordinator/inventory/enrollment.h"
#include "coordinator/inventory/identity_claim.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

// Boards ship with these in place of a serial; they identify nothing.
bool isPlaceholderSerial(const std::string& serial) {
  static const std::array<std::string_view, 11> kPlaceholders = {"",
                                                                 "0",
                                                                 "none",
                                                                 "n/a",
                                                                 "not specified",
                                                                 "not applicable",
                                                                 "to be filled by o.e.m.",
                                                                 "system serial number",
                                                                 "default string",
                                                                 "0123456789",
                                                                 "chassis serial number"};
  std::string lower;
  for (char c : serial)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return std::find(kPlaceholders.begin(), kPlaceholders.end(), lower) != kPlaceholders.end();
}

// A node's token or certificate is accepted on phone-home only from the machine it was issued to.
std::unexpected<common::Error> refuseOtherNodesToken(const std::string& node_id) {
  std::string whose = node_id.empty() ? "a new machine" : "node " + node_id;
  return fail(ErrorCode::kForbidden,
              "the presented credential is not " + whose + "'s: a node phones home only as itself",
              "authorization");
}

std::string hostnameFor(const common::Pool& pool, int64_t index) {
  std::string out = pool.hostname_pattern;
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size())) {
      out.replace(at, from.size(), to);
    }
  };
  replace("{pool}", pool.name);
  replace("{index}", std::to_string(index + 1));
  return out;
}

std::string primaryMac(const common::Facts& facts) {
  for (const auto& nic : facts.nics) {
    if (nic.link_up && !nic.mac.empty()) return nic.mac;
  }
  for (const auto& nic : facts.nics) {
    if (!nic.mac.empty()) return nic.mac;
  }
  return "";
}

const common::EnrollmentRule* findRule(const common::Cluster& cluster, const std::string& name) {
  for (const auto& rule : cluster.rules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

void applyRule(Node& node, const common::EnrollmentRule& rule, const common::Cluster& cluster) {
  node.rule = rule.name;
  node.class_name = rule.class_name;
  node.pool = rule.pool;
  const common::Pool* pool = cluster.findPool(rule.pool);
  node.profile = !rule.profile.empty() ? rule.profile : (pool ? pool->profile : "");
  node.disk_layout = pool ? pool->disk_layout : "";
  for (const auto& k : cluster.classes) {
    if (k.name == rule.class_name) {
      for (const auto& [key, value] : k.labels) node.labels[key] = value;
    }
  }
  for (const auto& [key, value] : rule.labels) node.labels[key] = value;
}
}  // namespace

Result<PhoneHomeResult> Inventory::phoneHome(const common::PhoneHomeRequest& request,
                                             const PhoneHomeProof& proof) {
  PHOTON_CHECK(refuseReservedLabels(request.labels, "labels"));
  constexpr int kAttempts = 8;  // as withRetries
  for (int attempt = 1;; ++attempt) {
    Txn txn;
    std::string held;  // a key an enrolment not yet committed holds
    GroupCommit::Ticket ticket;
    Result<PhoneHomeResult> decided = fail(ErrorCode::kInternal, "phone-home not decided");
    {
      std::lock_guard lock(phone_home_mutex_);
      decided = phoneHomeOnce(request, proof, txn);
      if (decided) {
        held = phone_home_commits_.pendingKeyOf(txn);
        if (held.empty()) ticket = phone_home_commits_.enqueue(std::move(txn));
      }
    }
    if (!decided) {
      if (!isStoreConflict(decided.error()) || attempt == kAttempts) return decided;
      continue;
    }
    if (!held.empty()) {
      // It read a key before a pending write of it landed (the same machine twice at once):
      // decide again once that write is in.
      phone_home_commits_.waitUntilCommitted(held);
      if (attempt == kAttempts) return fail(ErrorCode::kConflict, "changed concurrently", held);
      continue;
    }
    auto committed = phone_home_commits_.wait(ticket);
    if (committed) return decided;
    if (!isStoreConflict(committed.error()) || attempt == kAttempts) {
      return std::unexpected(committed.error());
    }
  }
}

Status Inventory::checkClaim(Txn& txn, const Node& node, const PhoneHomeProof& proof) {
  ClaimEvidence evidence;
  // Every key read here is guarded by the transaction: a token rotated or a document written
  // meanwhile sends the phone-home round again.
  PHOTON_TRY(auto token_hash, store_.get(keys::token(node.id)));
  txn.expect(keys::token(node.id), token_hash ? token_hash->mod_revision : 0);
  const bool token_ok =
      proof.node_token && token_hash && tokenMatchesHash(*proof.node_token, token_hash->value);
  const bool certified = proof.certified_node == node.id;
  evidence.presented_current_token = token_ok || certified;
  if (!proof.empty() && !evidence.presented_current_token) return refuseOtherNodesToken(node.id);
  evidence.received_anything = !node.address.empty();
  for (const auto& key : {keys::desired(node.id), keys::observed(node.id)}) {
    PHOTON_TRY(auto kv, store_.get(key));
    txn.expect(key, kv ? kv->mod_revision : 0);
    if (kv) evidence.received_anything = true;
  }
  return mayClaim(node, evidence);
}

Result<PhoneHomeResult> Inventory::phoneHomeOnce(const common::PhoneHomeRequest& request,
                                                 const PhoneHomeProof& proof, Txn& txn) {
  PHOTON_TRY(auto cluster, clusterOrEmpty());
  PHOTON_TRY(auto index, store_.get(keys::machineIndex(request.machine_id)));
  Node node;
  std::optional<Node> previous;
  bool is_new = !index.has_value();
  if (is_new) {
    PHOTON_TRY(std::string token_bytes, generateToken());
    node.id = "node-" + token_bytes.substr(0, 10);
    node.machine_id = request.machine_id;
    node.created_at = clock_.nowSeconds();
    txn.expectAbsent(keys::machineIndex(node.machine_id))
        .put(keys::machineIndex(node.machine_id), node.id)
        .expectAbsent(keys::node(node.id));
  } else {
    PHOTON_TRY(auto loaded, requireNode(index->value));
    node = loaded.node;
    previous = loaded.node;
    txn.expect(keys::node(node.id), loaded.mod_revision);
  }

  if (node.state == NodeState::kActive || node.state == NodeState::kDraining ||
      node.state == NodeState::kDrained) {
    common::Error e{ErrorCode::kConflict,
                    "node " + node.id + " is " + std::string(common::toString(node.state)) +
                        ": reprovision it before booting the installer on it",
                    "machine_id", allowedActions(node.state)};
    return std::unexpected(e);
  }
  if (!is_new) {
    PHOTON_CHECK(checkClaim(txn, node, proof));
  } else if (!proof.empty()) {
    return refuseOtherNodesToken("");
  }

  node.facts = request.facts;
  if (node.address.empty() && !request.hostname.empty()) node.hostname = request.hostname;
  for (const auto& [k, v] : request.labels) node.labels.try_emplace(k, v);

  const common::EnrollmentRule* rule = nullptr;
  if (node.pool.empty()) rule = matchRule(cluster.rules, request);
  if (rule) applyRule(node, *rule, cluster);
  switch (node.state) {
    case NodeState::kDiscovered:
      if (rule && needsCommissioning(*rule)) {
        // Anyone can claim a MAC first: the declared node's name, address and secrets wait
        // for an operator who has checked that this is that machine.
        enterState(node, NodeState::kDiscovered, cluster.settings);
        node.last_error = "matched rule " + rule->name +
                          " by MAC only, which does not prove the machine: commission it "
                          "(photonctl commission " +
                          node.id + ") once checked";
      } else if (is_new || rule) {
        if (rule) {
          enterState(node, rule->auto_install ? NodeState::kInstallPending : NodeState::kReady,
                     cluster.settings);
        } else {
          enterState(node, NodeState::kDiscovered, cluster.settings);
        }
      }
      break;
    case NodeState::kCommissioning: {
      // The agent came back with fresh facts: commissioning is done. For a declared node that
      // matched by MAC only, the commission was the approval its rule waited for.
      const common::EnrollmentRule* own = findRule(cluster, node.rule);
      bool approved_now = own && needsCommissioning(*own) && own->auto_install;
      enterState(node, approved_now ? NodeState::kInstallPending : NodeState::kReady,
                 cluster.settings);
      break;
    }
    case NodeState::kReprovisioning:
      enterState(node, NodeState::kInstallPending, cluster.settings);
      break;
    default:
      break;  // recognised; a reboot mid-install keeps its state and plan
  }

  if (is_new && node.state == NodeState::kDiscovered) PHOTON_CHECK(checkDiscoveredCap());
  stageDiscoveredIndex(txn, node.id, previous ? std::optional(previous->state) : std::nullopt,
                       node.state);
  PHOTON_CHECK(addIdentityIndexes(txn, node, previous ? &*previous : nullptr));

  PhoneHomeResult result;
  if (node.state == NodeState::kInstallPending || node.state == NodeState::kInstalling) {
    PHOTON_TRY(result.install_plan, ensureAllocation(txn, node, cluster));
  }
  PHOTON_TRY(result.token, generateToken());
  // The old credential stops working the moment the new one is handed out.
  PHOTON_TRY(auto old_hash, store_.get(keys::token(node.id)));
  if (old_hash) txn.erase(keys::tokenIndex(old_hash->value));
  std::string hash = sha256Hex(result.token);
  txn.put(keys::token(node.id), hash).put(keys::tokenIndex(hash), node.id);
  PHOTON_CHECK(recordTransition(txn, node, previous ? std::optional(previous->state) : std::nullopt,
                                "phone-home"));
  txn.put(keys::node(node.id), toJson(node).dump());
  result.node = std::move(node);
  return result;
}

Status Inventory::addIdentityIndexes(Txn& txn, const Node& node, const Node* previous) {
  auto claim = [&](const std::string& key, const std::string& what,
                   const std::string& field) -> Status {
    PHOTON_TRY(auto owner, store_.get(key));
    if (!owner) {
      txn.expectAbsent(key).put(key, node.id);
    } else if (owner->value != node.id) {
      return fail(ErrorCode::kConflict, what + " is already enrolled as node " + owner->value,
                  field);
    }
    return {};
  };
  std::set<std::string> macs;
  for (size_t i = 0; i < node.facts.nics.size(); ++i) {
    const auto& mac = node.facts.nics[i].mac;
    if (mac.empty() || !macs.insert(mac).second) continue;  // bonds share a MAC
    PHOTON_CHECK(
        claim(keys::macIndex(mac), "MAC " + mac, "facts.nics[" + std::to_string(i) + "].mac"));
  }
  const auto& serial = node.facts.dmi.serial;
  bool has_serial = !isPlaceholderSerial(serial);
  if (has_serial) {
    PHOTON_CHECK(claim(keys::serialIndex(serial), "DMI serial " + serial, "facts.dmi.serial"));
  }
  if (previous) {
    // Hardware changed (a NIC swapped): free what this node no longer has.
    for (const auto& nic : previous->facts.nics) {
      if (!nic.mac.empty() && !macs.contains(nic.mac)) txn.erase(keys::macIndex(nic.mac));
    }
    const auto& old_serial = previous->facts.dmi.serial;
    if (!isPlaceholderSerial(old_serial) && old_serial != serial) {
      txn.erase(keys::serialIndex(old_serial));
    }
  }
  return {};
}

Result<common::InstallPlan> Inventory::ensureAllocation(Txn& txn, Node& node,
                                                        const common::Cluster& cluster) {
  const common::Pool* pool = cluster.findPool(node.pool);
  if (!pool) {
    return fail(ErrorCode::kConflict, "node " + node.id + " has no pool '" + node.pool + "'",
                "pool");
  }
  if (node.address.empty()) {
    int64_t index;
    {
      std::lock_guard lock(alloc_hint_mutex_);
      index = alloc_hint_[pool->name];
    }
    // The lowest free index at or above the hint, not held by an enrolment still committing;
    // the txn's compare guards against a race.
    while (index < static_cast<int64_t>(pool->size())) {
      const std::string key = keys::alloc(pool->name, index);
      PHOTON_TRY(auto taken, store_.get(key));
      if (!taken && !phone_home_commits_.pending(key)) break;
      ++index;
    }
    {
      std::lock_guard lock(alloc_hint_mutex_);
      alloc_hint_[pool->name] = index;
    }
    if (index >= static_cast<int64_t>(pool->size())) {
      return fail(
          ErrorCode::kConflict,
          "pool " + pool->name + " is full (" + std::to_string(pool->size()) + " addresses)",
          "pool");
    }
    txn.expectAbsent(keys::alloc(pool->name, index)).put(keys::alloc(pool->name, index), node.id);
    node.address_index = index;
    node.address = common::formatIpv4(pool->range_start + static_cast<uint32_t>(index));
    node.hostname = hostnameFor(*pool, index);
  }
  common::InstallPlan plan;
  plan.node_id = node.id;
  plan.hostname = node.hostname;
  plan.address = node.address;
  plan.prefix_length = pool->prefixLength();
  plan.gateway = pool->gateway;
  plan.mac = primaryMac(node.facts);
  plan.disk_layout = node.disk_layout;
  plan.system_profile = node.profile;
  return plan;
}

}  // namespace photon::coordinator
