#include "tests/support/etcd_cluster.h"

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace photon::test {
namespace {
constexpr const char* kEtcd = "/usr/bin/etcd";
constexpr const char* kOpenssl = "/usr/bin/openssl";

bool run(const std::vector<std::string>& argv, const std::string& log) {
  ChildProcess child(argv, log);
  return child.wait(std::chrono::seconds(30)) == 0;
}
}  // namespace

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool EtcdCluster::makeCertificates() {
  // One CA; one certificate for 127.0.0.1 used by the members (server and peer) and one for
  // the client.
  std::string log = dir_.file("openssl.log");
  std::string ca_key = dir_.file("ca.key"), ca = dir_.file("ca.pem");
  if (!run({kOpenssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=photon-test-ca", "-keyout", ca_key, "-out", ca},
           log)) {
    return false;
  }
  auto issue = [&](const std::string& name, const std::string& ext) {
    std::string key = dir_.file(name + ".key"), csr = dir_.file(name + ".csr");
    std::string ext_file = dir_.write(name + ".ext", ext);
    return run({kOpenssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout",
                key, "-out", csr},
               log) &&
           run({kOpenssl, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                "-CAcreateserial", "-days", "2", "-extfile", ext_file, "-out",
                dir_.file(name + ".pem")},
               log);
  };
  if (!issue("member", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n") ||
      !issue("client", "extendedKeyUsage=clientAuth\n")) {
    return false;
  }
  tls_ = {ca, dir_.file("client.pem"), dir_.file("client.key")};
  return true;
}

EtcdCluster::EtcdCluster(int members, bool tls) {
  if (tls && !makeCertificates()) {
    error_ = "openssl could not make the test certificates (see " + dir_.file("openssl.log") + ")";
    return;
  }
  std::string scheme = tls ? "https://" : "http://";
  std::vector<int> client_ports, peer_ports;
  std::string initial_cluster;
  for (int i = 0; i < members; ++i) {
    client_ports.push_back(freeLoopbackPort());
    peer_ports.push_back(freeLoopbackPort());
    if (!initial_cluster.empty()) initial_cluster += ",";
    initial_cluster +=
        "m" + std::to_string(i) + "=" + scheme + "127.0.0.1:" + std::to_string(peer_ports.back());
  }
  for (int i = 0; i < members; ++i) {
    std::string name = "m" + std::to_string(i);
    std::string client_url = scheme + "127.0.0.1:" + std::to_string(client_ports[i]);
    std::string peer_url = scheme + "127.0.0.1:" + std::to_string(peer_ports[i]);
    std::vector<std::string> argv = {kEtcd,
                                     "--name",
                                     name,
                                     "--data-dir",
                                     dir_.file(name),
                                     "--listen-client-urls",
                                     client_url,
                                     "--advertise-client-urls",
                                     client_url,
                                     "--listen-peer-urls",
                                     peer_url,
                                     "--initial-advertise-peer-urls",
                                     peer_url,
                                     "--initial-cluster",
                                     initial_cluster,
                                     "--initial-cluster-state",
                                     "new",
                                     "--initial-cluster-token",
                                     "photon-test",
                                     "--logger",
                                     "zap",
                                     "--log-level",
                                     "warn"};
    if (tls) {
      for (const char* side : {"", "peer-"}) {
        argv.insert(argv.end(), {std::string("--") + side + "cert-file", dir_.file("member.pem"),
                                 std::string("--") + side + "key-file", dir_.file("member.key"),
                                 std::string("--") + side + "trusted-ca-file", tls_.ca_file,
                                 std::string("--") + side + "client-cert-auth"});
      }
    }
    client_urls_.push_back(client_url);
    logs_.push_back(dir_.file(name + ".log"));
    members_.push_back(std::make_unique<ChildProcess>(argv, logs_.back()));
  }
}

EtcdCluster::~EtcdCluster() {
  for (auto& member : members_) {
    if (member) member->kill(SIGKILL);
  }
}

std::string EtcdCluster::endpoints() const {
  std::string out;
  for (const auto& url : client_urls_) out += (out.empty() ? "" : ",") + url;
  return out;
}

std::string EtcdCluster::memberGet(size_t index, const std::string& path) const {
  if (index >= client_urls_.size()) return {};
  std::unique_ptr<httplib::Client> client =
      tls_.ca_file.empty()
          ? std::make_unique<httplib::Client>(client_urls_[index])
          : std::make_unique<httplib::Client>(client_urls_[index], tls_.cert_file, tls_.key_file);
  if (!tls_.ca_file.empty()) client->set_ca_cert_path(tls_.ca_file.c_str());
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(std::chrono::milliseconds(500));
  client->set_read_timeout(std::chrono::seconds(2));
  auto result = client->Get(path);
  return result && result->status == 200 ? result->body : std::string();
}

bool EtcdCluster::memberHealthy(size_t index) {
  return memberGet(index, "/health").find("\"true\"") != std::string::npos;
}

bool EtcdCluster::ready(std::chrono::milliseconds timeout) {
  if (!error_.empty()) return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (size_t i = 0; i < members_.size(); ++i) {
    while (!memberHealthy(i)) {
      if (!members_[i]->running()) {
        error_ = "etcd member " + std::to_string(i) + " exited (see " + logs_[i] + ")";
        return false;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        error_ = "etcd member " + std::to_string(i) + " not healthy in time (see " + logs_[i] + ")";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return true;
}

void EtcdCluster::pauseMember(size_t index, bool paused) {
  if (index < members_.size() && members_[index] && members_[index]->running()) {
    ::kill(members_[index]->pid(), paused ? SIGSTOP : SIGCONT);
  }
}

void EtcdCluster::killMember(size_t index) {
  if (index < members_.size() && members_[index]) members_[index]->kill(SIGKILL);
}

}  // namespace photon::test
