# A small lab: three core nodes named up front (they run etcd and the coordinator, and reflect
# BGP routes), a pool of workers that enroll by rule, one placed service with a VIP.
{
  name = "lab";

  settings = {
    commissionDeadlineSec = 600;
    installDeadlineSec = 1800;
    drainDeadlineSec = 300;
    nodeTtlSec = 30;
  };

  classes = {
    compute.labels.tier = "gold";
    core = { };
    gpu.labels.accel = "yes";
  };

  pools = {
    infra = {
      cidr = "10.0.0.0/24";
      range = { start = "10.0.0.100"; end = "10.0.0.199"; };
      gateway = "10.0.0.1";
      hostnamePattern = "infra-{index}";
      diskLayout = "mirror-ssd";
    };
    web = {
      cidr = "10.0.1.0/24";
      range = { start = "10.0.1.10"; end = "10.0.1.250"; };
      gateway = "10.0.1.1";
      hostnamePattern = "web-{index}";
      diskLayout = "single-ssd";
      profile = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-web";
    };
  };

  nodes = {
    core-1 = {
      role = "core";
      pool = "infra";
      class = "core";
      address = "10.0.0.11";
      macs = [ "52:54:00:00:00:11" ];
      labels.rack = "r1";
      coreServices = [ "etcd" "coordinator" ];
    };
    core-2 = {
      role = "core";
      pool = "infra";
      class = "core";
      address = "10.0.0.12";
      machineId = "0123456789abcdef0123456789abcd12";
      labels.rack = "r2";
      coreServices = [ "etcd" ];
    };
    core-3 = {
      role = "core";
      pool = "infra";
      class = "core";
      address = "10.0.0.13";
      macs = [ "52:54:00:00:00:13" ];
      labels.rack = "r3";
      coreServices = [ "etcd" ];
      bgp.peers = [ { address = "10.0.0.3"; asn = 65101; password = "tor-3"; } ];
    };
  };

  rules = {
    big = {
      priority = 10;
      match.minCores = 4;
      class = "compute";
      pool = "web";
      autoInstall = true;
    };
    gpu = {
      priority = 20;
      match.dmi.vendor = "ACME";
      class = "gpu";
      pool = "web";
      labels.accel = "yes";
    };
  };

  bgp = {
    asn = 65000;
    communities = [ "65000:100" ];
    routeReflectors = [ "core-1" "core-2" ];
    peers = [ { name = "tor"; address = "10.0.0.1"; asn = 65100; bfd = true; } ];
  };

  coreServices = {
    etcd = { resources.memory_bytes = 1073741824; };
    coordinator.nodes = [ "core-2" ];
  };

  # The same spec as `photonctl service put`; `photonctl cluster apply` creates, rolls and
  # deletes the declaration's services (one made with `service put` stays the API's).
  services.web = {
    replicas = 3;
    selector = { class = "compute"; labels.tier = "gold"; };
    resources = { cpu_millis = 500; memory_bytes = 268435456; };
    spread.label = "rack";
    update = { max_parallel = 1; min_healthy_s = 10; };
    instance = {
      exec = [ "/run/current-system/sw/bin/web" "--port" "8080" ];
      health.http = { port = 8080; path = "/healthz"; };
    };
  };

  vips = {
    api = { address = "10.0.100.1"; service = "coordinator"; };
    web = { address = "10.0.100.2/32"; service = "web"; };
  };
}
