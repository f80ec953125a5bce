#include "coordinator/migrate_command.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "common/log.h"
#include "coordinator/store/store_dump.h"
#include "coordinator/store_flags.h"

namespace photon::coordinator {
namespace po = boost::program_options;

int runMigrateCommand(int argc, char** argv) {
  const std::string command = argv[0];
  StoreConfig config;
  std::string file;
  bool overwrite = false;
  po::options_description opts("photon-coordinator " + command + " options");
  opts.add_options()("help,h", "show this help");
  if (command == "import") {
    opts.add_options()("file", po::value(&file), "read the dump from FILE instead of stdin")(
        "overwrite", po::bool_switch(&overwrite),
        "import into a store that already holds keys (the dump's keys replace those there)");
  } else {
    opts.add_options()("file", po::value(&file), "write the dump to FILE instead of stdout");
  }
  addStoreFlags(opts, config);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "photon-coordinator " << command << ": " << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    if (command == "export") {
      std::cout << "Usage: photon-coordinator export --data-dir DIR > dump.json\n"
                   "       photon-coordinator export --store etcd --etcd-endpoints URL,... > "
                   "dump.json\n\nWrites every key and value of the store as one JSON document.\n\n";
    } else {
      std::cout << "Usage: photon-coordinator import --store etcd --etcd-endpoints URL,... < "
                   "dump.json\n       photon-coordinator import --data-dir DIR --file dump.json\n\n"
                   "Writes every key of a dump into the store; refuses a store that holds keys "
                   "unless --overwrite.\nStop the coordinators on the target first.\n\n";
    }
    std::cout << opts;
    return 0;
  }
  if (auto ok = checkStoreConfig(config); !ok) {
    std::cerr << "photon-coordinator " << command << ": --" << ok.error().field << " "
              << ok.error().message << "\n";
    return 2;
  }
  auto opened = openStore(config);
  if (!opened) {
    common::logError("open store: " + opened.error().message);
    return 1;
  }
  if (command == "export") {
    auto dump = exportStore(*opened->store);
    if (!dump) {
      common::logError("export: " + dump.error().message);
      return 1;
    }
    std::string text = dump->dump() + "\n";
    if (file.empty()) {
      std::cout << text << std::flush;
      if (!std::cout) return 1;
    } else {
      std::ofstream out(file, std::ios::trunc);
      out << text;
      if (!out.flush()) {
        common::logError("export: cannot write " + file);
        return 1;
      }
    }
    common::logNotice("exported " + std::to_string((*dump)["kvs"].size()) + " keys from " +
                      opened->description);
    return 0;
  }
  std::string text;
  if (file.empty()) {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(file);
    if (!in) {
      common::logError("import: cannot read " + file);
      return 1;
    }
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto dump = nlohmann::json::parse(text, nullptr, false);
  if (dump.is_discarded()) {
    common::logError("import: the dump is not JSON");
    return 1;
  }
  auto imported = importStore(*opened->store, dump, overwrite);
  if (!imported) {
    std::string field = imported.error().field.empty() ? "" : " (" + imported.error().field + ")";
    common::logError("import: " + imported.error().message + field);
    return 1;
  }
  common::logNotice("imported " + std::to_string(imported->keys) + " keys into " +
                    opened->description);
  return 0;
}

}  // namespace photon::coordinator
