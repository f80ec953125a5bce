#include "agent/vms/vm_uids.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "agent/core/state_file.h"
#include "agent/core/unique_fd.h"

namespace photon::agent {

using common::ErrorCode;
using common::fail;

std::optional<uint32_t> nextVmUid(const std::set<uint32_t>& taken, uint32_t base, uint32_t count,
                                  uint32_t next) {
  if (count == 0) return std::nullopt;
  uint64_t offset = next >= base && uint64_t{next} - base < count ? next - base : 0;
  for (uint32_t i = 0; i < count; ++i) {
    auto uid = static_cast<uint32_t>(base + (offset + i) % count);
    if (!taken.contains(uid)) return uid;
  }
  return std::nullopt;
}

common::Result<uint32_t> allocateVmUid(const std::string& counter_file,
                                       const std::set<uint32_t>& taken, uint32_t base,
                                       uint32_t count) {
  uint32_t next = taken.empty() ? base : *taken.rbegin() + 1;
  if (::access(counter_file.c_str(), F_OK) == 0) {
    PHOTON_TRY(std::string text, readFile(counter_file));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), next);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      return common::invalid(counter_file, "is not a uid (\"" + text.substr(0, 32) +
                                               "\"): fix or remove it to allocate VM uids");
    }
  }
  auto uid = nextVmUid(taken, base, count, next);
  if (!uid) return fail(ErrorCode::kUnavailable, "no free VM uid left in the sandbox's range");
  // Saved first: a uid handed out is never handed out again by a crash before the save.
  auto saved = writeFileAtomic(counter_file, std::to_string(uint64_t{*uid} + 1) + "\n", 0600);
  if (!saved) return std::unexpected(saved.error().context("save the VM uid counter"));
  return *uid;
}

std::set<std::string> recordedDisks(const VmRecord& record) {
  std::set<std::string> out;
  if (record.booted) {
    for (const auto& d : record.booted->disks) out.insert(d.path);
  }
  for (const auto& [id, spec] : record.attached) {
    if (spec.is_object() && spec.contains("path") && spec["path"].is_string()) {
      out.insert(spec["path"].get<std::string>());
    }
  }
  return out;
}

namespace {
bool isDiskFile(const struct stat& st) {
  return S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
}
}  // namespace

common::Status ownDiskFile(const std::string& path, uint32_t uid) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ELOOP) {
      return common::invalid("disks", path + " is a symbolic link: name the disk's own path");
    }
    return fail(ErrorCode::kUnavailable, "open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::kUnavailable, "stat " + path + ": " + std::strerror(errno));
  }
  if (!isDiskFile(st)) {
    return common::invalid("disks", path + " is neither a regular file nor a block device");
  }
  if (::fchown(fd.get(), uid, uid) != 0 || ::fchmod(fd.get(), 0600) != 0) {
    return fail(ErrorCode::kUnavailable,
                "hand " + path + " to uid " + std::to_string(uid) + ": " + std::strerror(errno));
  }
  return {};
}

common::Status disownDisk(const std::string& path, uint32_t uid) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    // Gone, or a link: ownDiskFile never handed a link's target to anyone.
    if (errno == ENOENT || errno == ELOOP) return {};
    return fail(ErrorCode::kUnavailable, "open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::kUnavailable, "stat " + path + ": " + std::strerror(errno));
  }
  if (!isDiskFile(st) || st.st_uid != uid) return {};
  if (::fchown(fd.get(), 0, 0) != 0 || ::fchmod(fd.get(), 0600) != 0) {
    return fail(ErrorCode::kUnavailable,
                "give " + path + " back to root: " + std::string(std::strerror(errno)));
  }
  return {};
}

common::Status disownDisks(const VmRecord& record) {
  if (record.uid == 0) return {};
  for (const auto& path : recordedDisks(record)) PHOTON_CHECK(disownDisk(path, record.uid));
  return {};
}

common::Status disownDroppedDisks(const VmRecord& record, const std::set<std::string>& kept) {
  if (record.uid == 0) return {};
  for (const auto& path : recordedDisks(record)) {
    if (!kept.contains(path)) PHOTON_CHECK(disownDisk(path, record.uid));
  }
  return {};
}

}  // namespace photon::agent
