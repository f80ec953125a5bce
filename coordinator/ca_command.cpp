#include "coordinator/ca_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace photon::coordinator {

// photon-coordinator ca init DIR: a new cluster CA for the nodes' certificates (and, if the
// operator wants, for the coordinator's own HTTPS certificate).
int runCaInit(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cerr << "usage: photon-coordinator ca init DIR\n"
                 "  writes DIR/ca.pem (the cluster CA's certificate, public) and DIR/ca.key\n"
                 "  (its key, mode 0600); then start the coordinator with --node-ca-cert\n"
                 "  DIR/ca.pem --node-ca-key DIR/ca.key\n";
    return argc == 2 ? 0 : 2;
  }
  std::string dir = argv[1];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (std::filesystem::exists(dir + "/ca.key") || std::filesystem::exists(dir + "/ca.pem")) {
    std::cerr << "photon-coordinator: " << dir << " already holds a CA; not overwriting it\n";
    return 1;
  }
  auto ca = common::pki::makeAuthority("Photon cluster CA", 3650);
  if (!ca) {
    std::cerr << "photon-coordinator: " << ca.error().message << "\n";
    return 1;
  }
  auto write = [](const std::string& path, const std::string& text, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::fsync(fd) == 0 && ok;
    return ::close(fd) == 0 && ok;
  };
  if (!write(dir + "/ca.key", ca->key_pem, 0600) || !write(dir + "/ca.pem", ca->cert_pem, 0644)) {
    std::cerr << "photon-coordinator: cannot write the CA into " << dir << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout << "cluster CA written: " << dir << "/ca.pem (public), " << dir
            << "/ca.key (secret, 0600), valid 10 years\n";
  return 0;
}

common::Result<common::pki::Authority> loadNodeCa(const std::string& cert_file,
                                                  const std::string& key_file) {
  auto read = [](const std::string& path) -> common::Result<std::string> {
    std::ifstream in(path);
    if (!in) return common::invalid("node-ca", "cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  struct stat st {};
  if (::stat(key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return common::invalid("node-ca-key", key_file + " is readable by others: chmod 600 it");
  }
  PHOTON_TRY(std::string cert, read(cert_file));
  PHOTON_TRY(std::string key, read(key_file));
  common::pki::Authority ca{cert, key};
  PHOTON_CHECK(common::pki::checkAuthority(ca));
  return ca;
}

}  // namespace photon::coordinator
