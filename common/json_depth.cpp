#include "common/json_depth.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace photon::common {
namespace {
using Json = nlohmann::json;

// Counts depth and keeps the path to the current value, for the error's field.
class DepthChecker final : public nlohmann::json_sax<Json> {
 public:
  explicit DepthChecker(int max_depth) : max_depth_(max_depth) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    frames_.back().key = k.substr(0, 64);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    malformed_ = true;
    return false;
  }

  bool tooDeep() const { return too_deep_; }
  bool malformed() const { return malformed_; }
  const std::string& field() const { return field_; }

 private:
  struct Frame {
    bool object = false;
    std::string key;
    size_t index = 0;
  };

  // A scalar or a container start: moves the array index of the enclosing frame.
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  bool open(bool object) {
    if (static_cast<int>(frames_.size()) >= max_depth_) {
      too_deep_ = true;
      field_ = path();
      return false;
    }
    frames_.push_back(Frame{object, {}, 0});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return value();
  }
  std::string path() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (out.size() > 200) {
        out += "…";
        break;
      }
      if (f.object) {
        out += (out.empty() ? "" : ".") + f.key;
      } else {
        out += "[" + std::to_string(f.index) + "]";
      }
    }
    return out.empty() ? "body" : out;
  }

  int max_depth_;
  std::vector<Frame> frames_;
  bool too_deep_ = false;
  bool malformed_ = false;
  std::string field_;
};
}  // namespace

Status checkJsonDepth(std::string_view text, int max_depth, bool malformed_is_error) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  DepthChecker checker(max_depth);
  // The SAX parser keeps its own explicit stack, so this pass itself cannot overflow.
  Json::sax_parse(text, &checker, nlohmann::detail::input_format_t::json, /*strict=*/true);
  if (checker.tooDeep()) {
    return invalid(checker.field(), "nests deeper than " + std::to_string(max_depth) + " levels");
  }
  if (checker.malformed() && malformed_is_error) return invalid("body", "malformed JSON");
  return {};
}

}  // namespace photon::common
