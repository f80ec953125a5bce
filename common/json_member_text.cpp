#include "common/json_member_text.h"

#include <span>
#include <string>

namespace photon::common {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The characters numbers, true, false and null are made of.
bool isScalarChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '+' || c == '.';
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : t_(text) {}

  size_t pos() {
    skipSpace();
    return p_;
  }
  bool atEnd() { return pos() == t_.size(); }
  bool peek(char c) { return pos() < t_.size() && t_[p_] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }
  std::string_view since(size_t start) const { return t_.substr(start, p_ - start); }

  // A string, its contents in `raw` as written; `escaped` when it holds a backslash.
  bool string(std::string_view& raw, bool& escaped) {
    if (!take('"')) return false;
    const size_t start = p_;
    escaped = false;
    while (p_ < t_.size()) {
      const auto c = static_cast<unsigned char>(t_[p_]);
      if (c == '"') {
        raw = t_.substr(start, p_ - start);
        ++p_;
        return true;
      }
      if (c < 0x20) return false;  // a raw control character: not JSON
      if (c == '\\') {
        escaped = true;
        ++p_;  // the escaped character is never the closing quote
      }
      ++p_;
    }
    return false;  // unterminated
  }

  // One value of any kind, skipped.
  bool value() {
    if (peek('"')) {
      std::string_view raw;
      bool escaped = false;
      return string(raw, escaped);
    }
    if (peek('{') || peek('[')) return container();
    return scalar();
  }

 private:
  void skipSpace() {
    while (p_ < t_.size() && isSpace(t_[p_])) ++p_;
  }

  bool scalar() {
    const size_t start = p_;
    while (p_ < t_.size() && isScalarChar(t_[p_])) ++p_;
    return p_ > start;
  }

  // An object or array with everything in it: brackets matched on a stack of the closers
  // expected (no recursion, however deep the text nests), strings skipped whole, and nothing but
  // separators and scalars between them.
  bool container() {
    std::string closers;
    do {
      if (pos() == t_.size()) return false;
      const char c = t_[p_];
      if (c == '{' || c == '[') {
        closers.push_back(c == '{' ? '}' : ']');
        ++p_;
      } else if (c == '}' || c == ']') {
        if (closers.back() != c) return false;
        closers.pop_back();
        ++p_;
      } else if (c == ',' || c == ':') {
        ++p_;
      } else if (c == '"') {
        std::string_view raw;
        bool escaped = false;
        if (!string(raw, escaped)) return false;
      } else if (!scalar()) {
        return false;
      }
    } while (!closers.empty());
    return true;
  }

  std::string_view t_;
  size_t p_ = 0;
};

// The object at the scanner for path[0], then within its value for the rest of the path; every
// other member is skipped, and the object is read to its end (a second occurrence is kUnsure).
MemberText walkObject(Scanner& s, std::span<const std::string_view> path) {
  const MemberText unsure;
  if (!s.take('{')) return unsure;
  MemberText out{MemberLookup::kAbsent, {}};
  if (s.take('}')) return out;
  bool seen = false;
  do {
    std::string_view name;
    bool escaped = false;
    if (!s.string(name, escaped) || escaped || !s.take(':')) return unsure;
    if (name != path.front()) {
      if (!s.value()) return unsure;
      continue;
    }
    if (seen) return unsure;  // a parser would keep one of them: which is its business
    seen = true;
    if (path.size() == 1) {
      const size_t start = s.pos();
      if (!s.value()) return unsure;
      out = {MemberLookup::kFound, s.since(start)};
    } else {
      if (!s.peek('{')) return unsure;
      out = walkObject(s, path.subspan(1));
      if (out.lookup == MemberLookup::kUnsure) return unsure;
    }
  } while (s.take(','));
  if (!s.take('}')) return unsure;
  return out;
}

}  // namespace

MemberText findMemberText(std::string_view json, std::initializer_list<std::string_view> path) {
  if (path.size() == 0) return {};
  Scanner s(json);
  MemberText out = walkObject(s, std::span<const std::string_view>(path.begin(), path.size()));
  if (out.lookup == MemberLookup::kUnsure || !s.atEnd()) return {};
  return out;
}

}  // namespace photon::common
