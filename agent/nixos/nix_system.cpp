#include "agent/nixos/nix_system.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

std::string readLink(const std::string& path) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(path, ec);
  return ec ? std::string() : target.string();
}

class CliNixSystem final : public NixSystem {
 public:
  CliNixSystem(NixosOptions options, ProcessRunner& runner, std::unique_ptr<SwitchRunner> switcher)
      : options_(std::move(options)), runner_(runner), switcher_(std::move(switcher)) {}

  common::Status realise(const std::string& path, const Substitution& from) override {
    PHOTON_TRY(auto r, runner_.run(realiseArgv(options_, path, from), options_.realise_timeout));
    if (!r.ok()) return fail(ErrorCode::kUnavailable, "nix-store --realise: " + r.describe());
    return {};
  }

  common::Result<std::optional<Generation>> currentGeneration() override {
    std::filesystem::path profile(options_.profile);
    std::string link = readLink(options_.profile);
    if (link.empty()) return std::optional<Generation>();
    auto number = parseGenerationLink(profile.filename().string(),
                                      std::filesystem::path(link).filename().string());
    if (!number) {
      return fail(ErrorCode::kInternal,
                  options_.profile + " points at " + link + ", not at a generation link");
    }
    std::string gen_link = (profile.parent_path() / link).string();
    if (std::filesystem::path(link).is_absolute()) gen_link = link;
    std::string system = readLink(gen_link);
    if (system.empty()) return fail(ErrorCode::kInternal, "cannot read " + gen_link);
    return std::optional<Generation>(Generation{*number, system});
  }

  common::Status setProfile(const std::string& path) override {
    PHOTON_CHECK(ensureProfileDir());
    return runEnv({"--set", path}, "nix-env --set");
  }

  common::Status switchGeneration(int64_t number) override {
    return runEnv({"--switch-generation", std::to_string(number)}, "nix-env --switch-generation");
  }

  common::Result<ProcessResult> switchToConfiguration(
      const std::string& system, const std::string& mode, std::chrono::milliseconds timeout,
      const std::string& run, const std::vector<std::string>& environment) override {
    return switcher_->run(run, {realPath(system) + "/bin/switch-to-configuration", mode}, timeout,
                          environment);
  }

  common::Result<std::optional<ProcessResult>> adoptSwitch(
      const std::string& run, std::chrono::milliseconds timeout) override {
    return switcher_->adopt(run, timeout);
  }

  void releaseSwitch(const std::string& run) override { switcher_->release(run); }
  void abandonSwitches() override { switcher_->abandon(); }

  std::string currentSystem() override { return readLink(runPath("current-system")); }
  std::string bootedSystem() override { return readLink(runPath("booted-system")); }

  BootFiles bootFiles(const std::string& system) override {
    if (system.empty()) return {};
    std::string real = realPath(system);
    // Files in the toplevel are symlinks into the store; a plain file names itself.
    auto resolve = [&](const std::string& name) {
      std::string link = readLink(real + "/" + name);
      if (!link.empty()) return link;
      std::error_code ec;
      return std::filesystem::exists(real + "/" + name, ec) ? system + "/" + name : std::string();
    };
    return BootFiles{resolve("kernel"), resolve("initrd")};
  }

 private:
  std::string realPath(const std::string& store_path) const {
    return options_.store.empty() ? store_path : options_.store + store_path;
  }
  std::string runPath(const std::string& name) const {
    return (std::filesystem::path(options_.root) / "run" / name).string();
  }

  common::Status ensureProfileDir() {
    std::error_code ec;
    auto dir = std::filesystem::path(options_.profile).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::kInternal, "create " + dir.string() + ": " + ec.message());
    return {};
  }

  common::Status runEnv(std::vector<std::string> args, const std::string& what) {
    std::vector<std::string> argv = {options_.nix_env_program};
    if (!options_.store.empty()) argv.insert(argv.end(), {"--store", options_.store});
    argv.insert(argv.end(), {"-p", options_.profile});
    argv.insert(argv.end(), args.begin(), args.end());
    PHOTON_TRY(auto r, runner_.run(argv, options_.profile_timeout));
    if (!r.ok()) return fail(ErrorCode::kInternal, what + ": " + r.describe());
    return {};
  }

  NixosOptions options_;
  ProcessRunner& runner_;
  std::unique_ptr<SwitchRunner> switcher_;
};
}  // namespace

std::optional<int64_t> parseGenerationLink(const std::string& profile_name,
                                           const std::string& link) {
  const std::string prefix = profile_name + "-";
  const std::string suffix = "-link";
  if (!link.starts_with(prefix) || !link.ends_with(suffix)) return std::nullopt;
  if (link.size() <= prefix.size() + suffix.size()) return std::nullopt;
  std::string_view digits(link.data() + prefix.size(), link.size() - prefix.size() - suffix.size());
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n <= 0) return std::nullopt;
  return n;
}

std::vector<std::string> realiseArgv(const NixosOptions& options, const std::string& path,
                                     const Substitution& from) {
  std::vector<std::string> argv = {options.nix_store_program};
  if (!options.store.empty()) argv.insert(argv.end(), {"--store", options.store});
  // Nix takes list settings as one space-separated value; validation refused spaces inside.
  // Empty lists keep the node's nix.conf settings.
  argv.insert(argv.end(), {"--realise", path});
  if (!from.substituters.empty()) {
    argv.insert(argv.end(), {"--option", "substituters", join(from.substituters)});
  }
  if (!from.trusted_public_keys.empty()) {
    argv.insert(argv.end(), {"--option", "trusted-public-keys", join(from.trusted_public_keys)});
  }
  argv.insert(argv.end(), {"--option", "require-sigs", from.require_sigs ? "true" : "false"});
  return argv;
}

std::unique_ptr<NixSystem> makeNixSystem(const NixosOptions& options, ProcessRunner& runner,
                                         std::unique_ptr<SwitchRunner> switcher) {
  if (!switcher) switcher = makeChildSwitchRunner(runner);
  return std::make_unique<CliNixSystem>(options, runner, std::move(switcher));
}

}  // namespace photon::agent
