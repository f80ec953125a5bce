# The demo's NixOS system generations, built by real derivations without nixpkgs (like
# tests/agent/nixos/fixtures/toplevels.nix). Each toplevel has:
#   bin/switch-to-configuration  points /run/current-system at itself and writes /etc/motd-photon
#   bin/check                    the health check the deployment gates on: 0 for a good system,
#                                1 for the "bad" one (its web config is broken)
# The scripts run inside the node containers, with the container's /bin/sh.
let
  toplevel = { tag, healthy ? true }: builtins.derivation {
    name = "nixos-system-demo-${tag}";
    system = "x86_64-linux";
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    inherit tag;
    healthy = if healthy then "1" else "0";
    args = [ "-c" ''
      set -e
      mkdir -p $out/bin
      echo "$tag" > $out/version
      {
        echo '#!/bin/sh'
        echo 'case "$1" in switch|test|boot) ;; *) echo "usage: switch-to-configuration switch|boot|test" >&2; exit 1 ;; esac'
        echo "ln -sfn $out /run/current-system"
        echo "echo 'photon demo system $tag' > /etc/motd-photon"
        echo "echo 'activated $tag'"
      } > $out/bin/switch-to-configuration
      {
        echo '#!/bin/sh'
        if [ "$healthy" = 1 ]; then
          echo "echo 'system $tag healthy'; exit 0"
        else
          echo "echo 'system $tag: web config invalid' >&2; exit 1"
        fi
      } > $out/bin/check
      chmod +x $out/bin/switch-to-configuration $out/bin/check
    '' ];
  };
in {
  v1 = toplevel { tag = "v1"; };
  v2 = toplevel { tag = "v2"; };
  bad = toplevel { tag = "v3-bad"; healthy = false; };
}
