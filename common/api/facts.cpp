#include "common/api/facts.h"

#include "common/text.h"
#include "common/validate.h"

namespace photon::common {
namespace {
constexpr int64_t kMaxCount = 1 << 20;
constexpr int64_t kMaxBytes = INT64_MAX;
constexpr size_t kMaxDevices = 256;

Result<CpuFacts> cpuFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  CpuFacts cpu;
  PHOTON_TRY(cpu.model, readString(j, "model", path, ""));
  PHOTON_TRY(cpu.cores, readInt(j, "cores", path, 0, kMaxCount, 0));
  PHOTON_TRY(cpu.threads, readInt(j, "threads", path, 0, kMaxCount, 0));
  PHOTON_TRY(cpu.virtualization, readBool(j, "virtualization", path, false));
  return cpu;
}

Result<DiskFacts> diskFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  DiskFacts d;
  PHOTON_TRY(d.name, readString(j, "name", path));
  PHOTON_TRY(d.size_bytes, readInt(j, "size_bytes", path, 0, kMaxBytes, 0));
  PHOTON_TRY(d.rotational, readBool(j, "rotational", path, false));
  PHOTON_TRY(d.model, readString(j, "model", path, ""));
  PHOTON_TRY(d.serial, readString(j, "serial", path, ""));
  PHOTON_TRY(d.wwn, readString(j, "wwn", path, ""));
  return d;
}

Result<NicFacts> nicFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  NicFacts n;
  PHOTON_TRY(n.name, readString(j, "name", path));
  PHOTON_TRY(std::string mac, readString(j, "mac", path, ""));
  if (!mac.empty()) {
    auto normalized = normalizeMac(mac);
    if (!normalized) return invalid(joinPath(path, "mac"), "is not a MAC address");
    n.mac = *normalized;
  }
  PHOTON_TRY(n.link_up, readBool(j, "link_up", path, false));
  PHOTON_TRY(n.speed_mbps, readInt(j, "speed_mbps", path, -1, kMaxCount, 0));
  PHOTON_TRY(n.driver, readString(j, "driver", path, ""));
  PHOTON_TRY(n.addresses, readStringList(j, "addresses", path));
  return n;
}

Result<DmiFacts> dmiFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  DmiFacts d;
  PHOTON_TRY(d.vendor, readString(j, "vendor", path, ""));
  PHOTON_TRY(d.product, readString(j, "product", path, ""));
  PHOTON_TRY(d.serial, readString(j, "serial", path, ""));
  PHOTON_TRY(d.uuid, readString(j, "uuid", path, ""));
  return d;
}

Result<BmcFacts> bmcFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  BmcFacts b;
  PHOTON_TRY(b.channel, readInt(j, "channel", path, 0, 15, 0));
  PHOTON_TRY(b.address, readString(j, "address", path, ""));
  if (!b.address.empty() && !parseIpv4(b.address)) {
    return invalid(joinPath(path, "address"), "is not an IPv4 address");
  }
  PHOTON_TRY(b.address_source, readString(j, "address_source", path, ""));
  if (!b.address_source.empty() && b.address_source != "static" && b.address_source != "dhcp" &&
      b.address_source != "bios" && b.address_source != "other" &&
      b.address_source != "unspecified") {
    return invalid(joinPath(path, "address_source"),
                   "is not one of static, dhcp, bios, other, unspecified");
  }
  PHOTON_TRY(std::string mac, readString(j, "mac", path, ""));
  if (!mac.empty()) {
    auto normalized = normalizeMac(mac);
    if (!normalized) return invalid(joinPath(path, "mac"), "is not a MAC address");
    b.mac = *normalized;
  }
  return b;
}

template <typename T, typename Parse>
Result<std::vector<T>> listFromJson(const Json& j, const std::string& key, const std::string& path,
                                    Parse parse) {
  PHOTON_TRY(Json list, readArray(j, key, path));
  if (list.size() > kMaxDevices) return invalid(joinPath(path, key), "has too many entries");
  std::vector<T> out;
  for (size_t i = 0; i < list.size(); ++i) {
    PHOTON_TRY(T item, parse(list[i], joinPath(path, key) + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(item));
  }
  return out;
}
}  // namespace

Result<Facts> factsFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  Facts f;
  PHOTON_TRY(Json cpu, readObject(j, "cpu", path));
  PHOTON_TRY(f.cpu, cpuFromJson(cpu, joinPath(path, "cpu")));
  PHOTON_TRY(f.memory_bytes, readInt(j, "memory_bytes", path, 0, kMaxBytes, 0));
  PHOTON_TRY(f.disks, listFromJson<DiskFacts>(j, "disks", path, diskFromJson));
  PHOTON_TRY(f.nics, listFromJson<NicFacts>(j, "nics", path, nicFromJson));
  PHOTON_TRY(Json dmi, readObject(j, "dmi", path));
  PHOTON_TRY(f.dmi, dmiFromJson(dmi, joinPath(path, "dmi")));
  PHOTON_TRY(Json bmc, readObject(j, "bmc", path));
  PHOTON_TRY(f.bmc, bmcFromJson(bmc, joinPath(path, "bmc")));
  return f;
}

void sanitizeFacts(Facts& f) {
  auto fix = [](std::string& s) { s = validUtf8(s); };
  fix(f.cpu.model);
  for (auto& d : f.disks) {
    for (auto* s : {&d.name, &d.model, &d.serial, &d.wwn}) fix(*s);
  }
  for (auto& n : f.nics) {
    for (auto* s : {&n.name, &n.mac, &n.driver}) fix(*s);
    for (auto& a : n.addresses) fix(a);
  }
  for (auto* s : {&f.dmi.vendor, &f.dmi.product, &f.dmi.serial, &f.dmi.uuid}) fix(*s);
  for (auto* s : {&f.bmc.address, &f.bmc.address_source, &f.bmc.mac}) fix(*s);
}

Json toJson(const Facts& f) {
  Json disks = Json::array();
  for (const auto& d : f.disks) {
    disks.push_back({{"name", d.name},
                     {"size_bytes", d.size_bytes},
                     {"rotational", d.rotational},
                     {"model", d.model},
                     {"serial", d.serial},
                     {"wwn", d.wwn}});
  }
  Json nics = Json::array();
  for (const auto& n : f.nics) {
    nics.push_back({{"name", n.name},
                    {"mac", n.mac},
                    {"link_up", n.link_up},
                    {"speed_mbps", n.speed_mbps},
                    {"driver", n.driver},
                    {"addresses", n.addresses}});
  }
  Json out = {{"cpu",
               {{"model", f.cpu.model},
                {"cores", f.cpu.cores},
                {"threads", f.cpu.threads},
                {"virtualization", f.cpu.virtualization}}},
              {"memory_bytes", f.memory_bytes},
              {"disks", disks},
              {"nics", nics},
              {"dmi",
               {{"vendor", f.dmi.vendor},
                {"product", f.dmi.product},
                {"serial", f.dmi.serial},
                {"uuid", f.dmi.uuid}}}};
  if (f.bmc.present()) {
    out["bmc"] = {{"channel", f.bmc.channel},
                  {"address", f.bmc.address},
                  {"address_source", f.bmc.address_source},
                  {"mac", f.bmc.mac}};
  }
  return out;
}

}  // namespace photon::common
