# The services the e2e cluster declares (tests/e2e/cluster_story, story_declared): a Nix
# declaration that nix/lib/cluster.nix checks and renders, whose `services` the story puts into
# the cluster's declaration for `photonctl cluster apply`. Two busybox HTTP servers, each on a
# port of its own; `version` changes their instances (a roll), `withEcho = false` removes echo.
{ version ? "1", withEcho ? true }:
let
  server = port: {
    replicas = 2;
    distinct_hosts = true;
    resources = { cpu_millis = 50; memory_bytes = 33554432; };
    update = { max_parallel = 1; min_healthy_s = 1; };
    instance = {
      restart = "always";
      exec = [ "/bin/busybox" "httpd" "-f" "-p" (toString port) "-h" "/run/current-system" ];
      # What a roll changes: the instance (and so its revision) of every replica.
      env.DECLARED_VERSION = version;
      health = { tcp.port = port; interval_s = 1; timeout_ms = 500; rise = 1; fall = 1; };
    };
  };
in
{
  name = "demo";
  # As the story's cluster has it (the selector-free services need nothing else from it).
  pools.web = {
    cidr = "10.99.1.0/24";
    range = { start = "10.99.1.10"; end = "10.99.1.50"; };
  };
  rules.everything.pool = "web";
  services = { hello = server 8081; } // (if withEcho then { echo = server 8082; } else { });
}
