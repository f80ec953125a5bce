#include "coordinator/ctl/node_history_command.h"

#include <ctime>

#include "coordinator/ctl/rest.h"
#include "coordinator/ctl/table.h"

namespace photon::ctl {
namespace {

// "2026-12-03 07:12:09Z": a record an operator compares with logs, so the time itself, in UTC.
std::string utc(int64_t seconds) {
  if (seconds <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return "-";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int nodeHistoryCommand(CtlContext& ctx, const std::string& id) {
  auto j = call(ctx, "GET", "/api/v1/nodes/" + urlEncode(id) + "/history");
  if (!j) return 1;
  if (ctx.json_output) {
    ctx.out << j->dump(2) << "\n";
    return 0;
  }
  const auto& history = (*j)["history"];
  if (!history.is_array() || history.empty()) {
    ctx.out << "no state changes recorded for " << id << "\n";
    return 0;
  }
  int64_t now = nowSeconds();
  std::vector<std::vector<std::string>> rows = {{"WHEN", "", "FROM", "TO", "CAUSE", "ERROR"}};
  for (const auto& t : history) {
    int64_t at = t.value("at", int64_t{0});
    std::string from = str(t, "from");
    rows.push_back({utc(at), ago(at, now), from.empty() ? "(enrolled)" : from, str(t, "to"),
                    str(t, "cause"), str(t, "error")});
  }
  ctx.out << renderTable(rows);
  ctx.out << history.size() << " change(s), the last " << str(*j, "limit") << " kept\n";
  return 0;
}

}  // namespace photon::ctl
