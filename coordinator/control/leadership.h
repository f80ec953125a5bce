// Whether this coordinator is the one that runs the controllers. With the embedded SQLite store
// there is exactly one coordinator, so it always leads; the etcd backend replaces this with an
// election on a lease.
#pragma once

#include <cstdint>
#include <string>

namespace photon::coordinator {

class Leadership {
 public:
  virtual ~Leadership() = default;
  virtual bool isLeader() const = 0;
  // Who leads now, as the API shows it (empty when nobody does).
  virtual std::string leaderId() const = 0;
  // How often this coordinator started or stopped leading.
  virtual uint64_t changes() const { return 0; }
};

class SoleLeader final : public Leadership {
 public:
  explicit SoleLeader(std::string id) : id_(std::move(id)) {}
  bool isLeader() const override { return true; }
  std::string leaderId() const override { return id_; }

 private:
  std::string id_;
};

}  // namespace photon::coordinator
