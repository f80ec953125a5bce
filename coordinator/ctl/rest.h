// photonctl's REST helpers, shared by the command files.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "coordinator/ctl/commands.h"
#include "coordinator/ctl/missing_node.h"

namespace photon::ctl {

// One call; prints the coordinator's error and returns nothing on failure.
std::optional<nlohmann::json> call(CtlContext& ctx, const std::string& method,
                                   const std::string& path, const std::string& body = {});
std::string urlEncode(const std::string& s);
// POST /api/v1/nodes/ID/actions/ACTION and print the node's new state; the exit code.
int nodeAction(CtlContext& ctx, const std::string& action, const std::string& id);
// A flag's non-negative integer of at most 9 digits ("5x", "-1", "" are not).
std::optional<int64_t> number(const std::string& s);
// The TTL and failover grace of the applied declaration; the defaults when there is none or the
// call fails (quietly: this only adds detail to another command's output).
FailoverTimes fetchFailoverTimes(CtlContext& ctx);
// A command's flag at args[i]: "--name value" (i moves past the value) or "--name=value";
// nullopt when args[i] is not that flag.
std::optional<std::string> takeFlag(const std::vector<std::string>& args, size_t& i,
                                    const std::string& name);
// A field as text: strings as they are, anything else as JSON, "" when absent or null.
std::string str(const nlohmann::json& j, const char* key);

}  // namespace photon::ctl
