// A temporary directory removed with everything in it when the test ends.
#pragma once

#include <string>

namespace photon::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// The whole of a file ("" when it cannot be read): what a test's child wrote, or a /proc file.
std::string fileContents(const std::string& path);

}  // namespace photon::test
