// A real etcd cluster of 1..N members on loopback ports, in a temp dir, for the tests that
// need one: started at construction, healthy when ready() says so, every member killed by its
// PID when the object goes. Optionally with TLS (certificates made with the openssl CLI).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

struct EtcdTls {
  std::string ca_file;
  std::string cert_file;  // a client certificate the members accept
  std::string key_file;
};

class EtcdCluster {
 public:
  explicit EtcdCluster(int members = 3, bool tls = false);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Every member answered /health with a leader, within `timeout`.
  bool ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // "http://127.0.0.1:P1,http://127.0.0.1:P2,..."
  std::string endpoints() const;
  const std::vector<std::string>& clientUrls() const { return client_urls_; }
  const EtcdTls& tls() const { return tls_; }
  // SIGKILL one member (it stays down).
  void killMember(size_t index);
  // SIGSTOP / SIGCONT one member: it hangs with its connections open.
  void pauseMember(size_t index, bool paused);
  const std::string& logFile(size_t index) const { return logs_[index]; }
  size_t members() const { return members_.size(); }
  // A member's PID (-1 when it is gone), for its CPU time.
  pid_t memberPid(size_t index) const {
    return index < members_.size() && members_[index] ? members_[index]->pid() : -1;
  }
  // GET `path` ("/metrics") from one member; the body, or empty when it did not answer 200.
  std::string memberGet(size_t index, const std::string& path) const;
  // Why the cluster did not come up (empty when it did).
  const std::string& error() const { return error_; }

 private:
  bool memberHealthy(size_t index);
  bool makeCertificates();

  TempDir dir_;
  EtcdTls tls_;
  std::vector<std::string> client_urls_;
  std::vector<std::string> logs_;
  std::vector<std::unique_ptr<ChildProcess>> members_;
  std::string error_;
};

// A free TCP port on 127.0.0.1 at the moment of asking.
int freeLoopbackPort();

}  // namespace photon::test
