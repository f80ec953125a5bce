// The flags that pick and reach a store, shared by `photon-coordinator` and its export/import.
#pragma once

#include <boost/program_options.hpp>

#include "coordinator/store/open_store.h"
// Only for coordinator/main.cpp, which calls makeLeadership through this header. Transitional:
// once main.cpp includes coordinator/control/store_leadership.h itself, drop this line.
#include "coordinator/control/store_leadership.h"

namespace photon::coordinator {

void addStoreFlags(boost::program_options::options_description& opts, StoreConfig& config);

}  // namespace photon::coordinator
