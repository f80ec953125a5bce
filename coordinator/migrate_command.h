// `photon-coordinator export` and `photon-coordinator import`: a store's keys and values as one
// JSON document on stdout, and back into a (normally empty) store.
#pragma once

namespace photon::coordinator {

// argv[0] is "export" or "import". Returns the exit code.
int runMigrateCommand(int argc, char** argv);

}  // namespace photon::coordinator
