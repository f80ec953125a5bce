#include "agent/bootstrap/install_steps.h"

namespace photon::agent {

std::vector<Argv> defaultInstallSteps() {
  // The host key the agent made (and the coordinator vouches for) goes into the target before
  // it first boots; NixOS's sshd makes one only when none is there.
  return {{"disko", "--mode", "disko", "/etc/photon/disk-layouts/{disk_layout}.nix"},
          {"install", "-D", "-m", "0600", "{ssh_host_key}", "/mnt/etc/ssh/ssh_host_ed25519_key"},
          {"install", "-D", "-m", "0644", "{ssh_host_key}.pub",
           "/mnt/etc/ssh/ssh_host_ed25519_key.pub"},
          {"nixos-install", "--system", "{system_profile}", "--no-root-passwd"}};
}

common::Result<Argv> splitStep(std::string_view text) {
  Argv out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        word.push_back(c);
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quote)
    return common::invalid("install-step", "unterminated quote in '" + std::string(text) + "'");
  if (in_word) out.push_back(std::move(word));
  if (out.empty()) return common::invalid("install-step", "empty step");
  return out;
}

common::Result<std::vector<Argv>> stepsFromJson(const common::Json& config) {
  PHOTON_CHECK(common::requireObject(config, ""));
  PHOTON_TRY(common::Json steps, common::readArray(config, "steps", ""));
  if (steps.empty()) return common::invalid("steps", "lists no step");
  std::vector<Argv> out;
  for (size_t i = 0; i < steps.size(); ++i) {
    std::string path = "steps[" + std::to_string(i) + "]";
    if (!steps[i].is_array() || steps[i].empty()) {
      return common::invalid(path, "must be a non-empty array of strings");
    }
    Argv argv;
    for (const auto& word : steps[i]) {
      if (!word.is_string()) return common::invalid(path, "must be a non-empty array of strings");
      argv.push_back(word.get<std::string>());
    }
    out.push_back(std::move(argv));
  }
  return out;
}

std::map<std::string, std::string> placeholderValues(const common::InstallPlan& plan,
                                                     const std::string& state_dir) {
  return {{"system_profile", plan.system_profile},
          {"hostname", plan.hostname},
          {"address", plan.address},
          {"prefix_length", plan.prefix_length > 0 ? std::to_string(plan.prefix_length) : ""},
          {"gateway", plan.gateway},
          {"mac", plan.mac},
          {"disk_layout", plan.disk_layout},
          {"node_id", plan.node_id},
          {"state_dir", state_dir},
          {"ssh_host_key", state_dir + "/" + kSshHostKeyFile}};
}

common::Result<Argv> substitute(const Argv& step,
                                const std::map<std::string, std::string>& values) {
  Argv out;
  for (const auto& word : step) {
    std::string result;
    size_t at = 0;
    while (at < word.size()) {
      size_t open = word.find('{', at);
      size_t close = open == std::string::npos ? open : word.find('}', open);
      if (close == std::string::npos) {
        result += word.substr(at);
        break;
      }
      result += word.substr(at, open - at);
      std::string name = word.substr(open + 1, close - open - 1);
      auto it = values.find(name);
      if (it == values.end()) {
        return common::invalid("install-step",
                               "unknown placeholder {" + name + "} in '" + word + "'");
      }
      if (it->second.empty()) {
        return common::invalid("install-step",
                               "the install plan gives no value for {" + name + "}");
      }
      result += it->second;
      at = close + 1;
    }
    out.push_back(std::move(result));
  }
  return out;
}

std::string describeArgv(const Argv& argv) {
  std::string out;
  for (const auto& word : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !word.empty() && word.find_first_of(" \t'\"") == std::string::npos;
    out += plain ? word : "'" + word + "'";
  }
  return out;
}

}  // namespace photon::agent
