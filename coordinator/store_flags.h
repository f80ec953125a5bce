// The flags that pick and reach a store, shared by `photon-coordinator` and its export/import.
#pragma once

#include <boost/program_options.hpp>

#include "coordinator/store/open_store.h"

namespace photon::coordinator {

void addStoreFlags(boost::program_options::options_description& opts, StoreConfig& config);

}  // namespace photon::coordinator
