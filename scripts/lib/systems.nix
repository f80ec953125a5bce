# The demo's NixOS system generations, built by real derivations without nixpkgs (like
# tests/agent/nixos/fixtures/toplevels.nix). Each toplevel has:
#   bin/switch-to-configuration  points /run/current-system at itself and writes /etc/motd-photon
#   bin/check                    the health check the deployment gates on: 0 for a good system,
#                                1 for the "bad" one (its web config is broken)
#   kernel, initrd               symlinks whose targets stand for a kernel version: the agent
#                                compares them with /run/booted-system's to say reboot_required
# switch-to-configuration boot changes nothing that runs (the next boot takes the profile).
# The scripts run inside the node containers, with the container's /bin/sh.
let
  toplevel = { tag, healthy ? true, kernel ? "k1" }: builtins.derivation {
    name = "nixos-system-demo-${tag}";
    system = "x86_64-linux";
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    inherit tag kernel;
    healthy = if healthy then "1" else "0";
    args = [ "-c" ''
      set -e
      mkdir -p $out/bin
      echo "$tag" > $out/version
      ln -s /photon-demo-kernel-$kernel $out/kernel
      ln -s /photon-demo-initrd-$kernel $out/initrd
      {
        echo '#!/bin/sh'
        echo 'case "$1" in switch|test|boot) ;; *) echo "usage: switch-to-configuration switch|boot|test" >&2; exit 1 ;; esac'
        echo '[ "$1" = boot ] && { echo "$tag set up for the next boot"; exit 0; }'
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
  # v1 with a new kernel: only a reboot brings it in (tests/e2e/reboot_story).
  kernel2 = toplevel { tag = "v4-kernel2"; kernel = "k2"; };
}
