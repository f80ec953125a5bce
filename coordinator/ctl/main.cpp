// photonctl: the operator's CLI over the coordinator's REST API.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "coordinator/ctl/commands.h"

namespace po = boost::program_options;
using namespace photon;

int main(int argc, char** argv) {
  // OpenSSL writes to its socket without MSG_NOSIGNAL: a closed TLS connection is an error.
  signal(SIGPIPE, SIG_IGN);
  std::string coordinator, token_file, output, ca_file;
  std::vector<std::string> command;
  po::options_description opts("photonctl options");
  opts.add_options()("help,h", "show this help")(
      "coordinator", po::value(&coordinator),
      "coordinator URL, or several comma-separated (tried in turn) (or PHOTON_COORDINATOR)")(
      "token-file", po::value(&token_file), "admin token file (or PHOTON_TOKEN_FILE)")(
      "ca-file", po::value(&ca_file),
      "PEM CA that signed the coordinator's HTTPS certificate (or PHOTON_CA_FILE; default: the "
      "system's CAs)")("output,o", po::value(&output)->default_value("table"), "table or json");
  po::options_description hidden;
  hidden.add_options()("command", po::value(&command));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description positional;
  positional.add("command", -1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv)
            .options(all)
            .positional(positional)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .allow_unregistered()
            .run(),
        vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "photonctl: " << e.what() << "\n";
    return 2;
  }
  // Options after the command (e.g. "nodes --state active") belong to the command.
  auto parsed = po::command_line_parser(argc, argv)
                    .options(all)
                    .positional(positional)
                    .allow_unregistered()
                    .run();
  command = po::collect_unrecognized(parsed.options, po::include_positional);
  if (vm.count("help") || command.empty()) {
    std::cout << ctl::usage() << "\n" << opts;
    return command.empty() && !vm.count("help") ? 2 : 0;
  }
  if (output != "table" && output != "json") {
    std::cerr << "photonctl: --output must be table or json\n";
    return 2;
  }
  if (coordinator.empty() && std::getenv("PHOTON_COORDINATOR")) {
    coordinator = std::getenv("PHOTON_COORDINATOR");
  }
  if (token_file.empty() && std::getenv("PHOTON_TOKEN_FILE")) {
    token_file = std::getenv("PHOTON_TOKEN_FILE");
  }
  if (ca_file.empty() && std::getenv("PHOTON_CA_FILE")) ca_file = std::getenv("PHOTON_CA_FILE");
  if (coordinator.empty()) coordinator = "http://127.0.0.1:7480";
  auto client = common::HttpClient::create(coordinator, {.ca_file = ca_file});
  if (!client) {
    std::cerr << "photonctl: " << client.error().message << "\n";
    return 2;
  }
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
      std::cerr << "photonctl: cannot read a token from " << token_file << "\n";
      return 2;
    }
    (*client)->setToken(token);
  }
  ctl::CtlContext ctx{**client, output == "json", std::cout, std::cerr};
  return ctl::runCommand(ctx, command);
}
