#include "agent/bgp/bird_reply.h"

#include <cctype>
#include <sstream>

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

bool isCodeLine(std::string_view line) {
  if (line.size() < 5) return false;
  for (int i = 0; i < 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return false;
  }
  return line[4] == '-' || line[4] == ' ';
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == s.npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool isDate(std::string_view w) {
  return w.size() == 10 && w[4] == '-' && w[7] == '-' &&
         std::isdigit(static_cast<unsigned char>(w[0]));
}

// "(65000,100) (65000,200)" or "(65000, 1, 2) (65000, 3, 4)".
std::vector<std::string> parseCommunityList(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find('(', pos)) != text.npos) {
    size_t end = text.find(')', pos);
    if (end == text.npos) break;
    std::string item;
    for (char c : text.substr(pos + 1, end - pos - 1)) {
      if (c == ',')
        item += ':';
      else if (c != ' ')
        item += c;
    }
    out.push_back(item);
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string BirdReply::message() const {
  return lines.empty() ? std::string{} : lines.back().text;
}

common::Result<std::optional<BirdReply>> BirdReplyReader::next() {
  size_t start = 0;
  std::optional<BirdReply> done;
  while (!done) {
    size_t nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buffer_.data() + start, nl - start);
    start = nl + 1;
    partial_bytes_ += line.size() + 1;
    if (partial_bytes_ > kMaxReplyBytes) {
      buffer_.clear();
      return fail(ErrorCode::kTooLarge,
                  "BIRD reply larger than " + std::to_string(kMaxReplyBytes) + " bytes");
    }
    if (!line.empty() && line.front() == '+') {
      spontaneous_.emplace_back(line.substr(1));
      continue;
    }
    if (!line.empty() && line.front() == ' ') {
      int code = partial_.lines.empty() ? 0 : partial_.lines.back().code;
      partial_.lines.push_back({code, std::string(line.substr(1))});
      continue;
    }
    if (!isCodeLine(line)) {
      buffer_.erase(0, start);
      return fail(ErrorCode::kInternal, "not BIRD's protocol: '" + std::string(line) + "'");
    }
    int code = std::stoi(std::string(line.substr(0, 4)));
    partial_.lines.push_back({code, std::string(line.substr(5))});
    if (line[4] == ' ') {
      partial_.code = code;
      done = std::move(partial_);
      partial_ = {};
      partial_bytes_ = 0;
    }
  }
  buffer_.erase(0, start);
  return done;
}

common::Result<std::vector<BirdReply>> parseBirdReplies(std::string_view bytes) {
  BirdReplyReader reader;
  reader.feed(bytes);
  std::vector<BirdReply> out;
  while (true) {
    PHOTON_TRY(auto reply, reader.next());
    if (!reply) break;
    out.push_back(std::move(*reply));
  }
  return out;
}

common::Result<std::vector<BirdProtocol>> parseProtocols(const BirdReply& reply) {
  if (!reply.ok()) return fail(ErrorCode::kUnavailable, "show protocols: " + reply.message());
  std::vector<BirdProtocol> out;
  for (const auto& line : reply.lines) {
    if (line.code == 1002) {
      auto w = words(line.text);
      if (w.size() < 5) {
        return fail(ErrorCode::kInternal, "show protocols: short row '" + line.text + "'");
      }
      BirdProtocol p{w[0], w[1], w[2], w[3], w[4], {}, {}, {}};
      size_t rest = 5;
      // `timeformat protocol iso long` prints the date and the time as two words.
      if (isDate(w[4]) && w.size() > 5) {
        p.since += " " + w[5];
        rest = 6;
      }
      for (size_t i = rest; i < w.size(); ++i) p.info += (p.info.empty() ? "" : " ") + w[i];
      out.push_back(std::move(p));
    } else if (line.code == 1006 && !out.empty()) {
      auto text = trim(line.text);
      auto colon = text.find(':');
      if (colon == text.npos) continue;
      auto key = text.substr(0, colon);
      auto value = trim(std::string_view(text).substr(colon + 1));
      if (key == "Neighbor address") out.back().neighbor_address = value;
      if (key == "BGP state") out.back().bgp_state = value;
    }
  }
  return out;
}

common::Result<std::vector<BirdRoute>> parseRoutes(const BirdReply& reply) {
  if (reply.code == 8001) return std::vector<BirdRoute>{};  // "Network not found"
  if (!reply.ok()) return fail(ErrorCode::kUnavailable, "show route: " + reply.message());
  std::vector<BirdRoute> out;
  std::string last_prefix;
  for (const auto& line : reply.lines) {
    if (line.code == 1007) {
      if (line.text.starts_with("Table ") || line.text.empty() || line.text[0] == '\t') continue;
      auto w = words(line.text);
      if (w.empty()) continue;
      BirdRoute r;
      size_t kind = 1;
      if (line.text[0] == ' ') {
        r.prefix = last_prefix;  // another route to the prefix above
        kind = 0;
      } else {
        r.prefix = w[0];
        last_prefix = r.prefix;
      }
      if (w.size() > kind + 1 && w[kind + 1].starts_with('[')) r.protocol = w[kind + 1].substr(1);
      out.push_back(std::move(r));
    } else if (line.code == 1012 && !out.empty()) {
      auto text = trim(line.text);
      if (text.starts_with("BGP.community:") || text.starts_with("BGP.large_community:")) {
        for (auto& c : parseCommunityList(text.substr(text.find(':') + 1))) {
          out.back().communities.push_back(std::move(c));
        }
      }
    }
  }
  return out;
}

}  // namespace photon::agent
