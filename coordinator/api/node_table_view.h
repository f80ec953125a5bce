// The machines table's form of a node, `GET /api/v1/nodes?view=table`: the same document as the
// full one (`nodeView`), keeping only the fields the console's table shows, filters, sorts and
// searches by. At 5,000 nodes the full list is 4.3 MiB of JSON, most of it what the table
// never reads (each disk's model, serial and WWN, each NIC's driver and addresses, deadlines,
// the last power step): the first load of the console waited on all of it.
#pragma once

#include <string>

#include "common/api/node.h"

namespace photon::coordinator {

// `liveness` and `power` (power::powerSummary: null for a node without a BMC) as the full view
// has them; of the power summary only its state is kept.
[[nodiscard]] common::Json nodeTableView(const common::Node& node, const std::string& liveness,
                                         const common::Json& power);

}  // namespace photon::coordinator
