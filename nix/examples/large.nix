# A generated declaration for the evaluation benchmark: `count` named nodes over racks of 40,
# each with a machine-id, a MAC and an address, three of them core nodes reflecting BGP routes.
#   nix-instantiate --eval --strict --json --arg count 1000 --expr \
#     '{ count }: import ./nix/lib/cluster.nix (import ./nix/examples/large.nix { inherit count; })'
{ count ? 1000 }:
let
  pad = width: s: if builtins.stringLength s >= width then s else pad width "0${s}";
  hex = n: let digits = "0123456789abcdef"; in
    if n < 16 then builtins.substring n 1 digits else hex (n / 16) + builtins.substring (builtins.bitAnd n 15) 1 digits;
  name = i: "node-${toString i}";
  # 10.16.0.0/12 holds 2^20 addresses: nodes from 10.16.0.10 upwards, pools beyond them.
  address = i: let n = i + 10; in "10.${toString (16 + n / 65536)}.${toString (builtins.bitAnd (n / 256) 255)}.${toString (builtins.bitAnd n 255)}";
  mac = i: "52:54:01:${pad 2 (hex (builtins.bitAnd (i / 65536) 255))}:${pad 2 (hex (builtins.bitAnd (i / 256) 255))}:${pad 2 (hex (builtins.bitAnd i 255))}";
  node = i: {
    name = name i;
    value = {
      role = if i < 3 then "core" else "worker";
      pool = "fleet";
      address = address i;
      machineId = pad 32 (hex (i + 1));
      macs = [ (mac i) ];
      labels.rack = "r${toString (i / 40)}";
    } // (if i < 3 then { coreServices = [ "etcd" ]; } else { });
  };
in
{
  name = "large";
  classes.worker.labels.tier = "std";
  pools.fleet = {
    cidr = "10.16.0.0/12";
    range = { start = "10.24.0.0"; end = "10.31.255.254"; };
    gateway = "10.16.0.1";
    hostnamePattern = "fleet-{index}";
  };
  nodes = builtins.listToAttrs (builtins.genList node count);
  rules.workers = { match.minCores = 2; class = "worker"; pool = "fleet"; };
  bgp = {
    asn = 65000;
    routeReflectors = [ "node-0" "node-1" ];
    peers = [ { address = "10.16.0.1"; asn = 65100; } ];
  };
  coreServices.etcd = { };
  services.web = {
    replicas = 100;
    selector.class = "worker";
    resources = { cpu_millis = 250; memory_bytes = 134217728; };
    instance.exec = [ "/run/current-system/sw/bin/web" ];
  };
  vips.web = { address = "10.16.0.2"; service = "web"; };
}
