// Plain-text tables for the terminal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace photon::ctl {

// Columns padded to their widest cell; the first row is the heading.
std::string renderTable(const std::vector<std::vector<std::string>>& rows);
// "3m ago", "2h ago" from a time and now.
std::string ago(int64_t then, int64_t now);
// Seconds since the epoch by the wall clock: the "now" of ago().
int64_t nowSeconds();

}  // namespace photon::ctl
