# The bootstrap ISO: NixOS's minimal installer plus a unit that runs `photon-agent bootstrap`
# at boot. It phones home with the machine's facts, receives its install plan and installs.
#
# The coordinator URL and CA are part of the configuration. The bootstrap token is not: the
# build script (iso/build-iso) adds it to the finished image as /photon/bootstrap-token, which
# the live system sees under /iso (where NixOS mounts its boot medium), so the token never
# lands in a Nix store or in git.
{ photon, coordinatorUrl, caFile ? null }:
{ config, lib, pkgs, modulesPath, ... }:
{
  imports = [ "${modulesPath}/installer/cd-dvd/installation-cd-minimal.nix" ];

  isoImage.isoBaseName = "photon-bootstrap";
  isoImage.volumeID = "PHOTON_BOOT";
  environment.systemPackages = [ photon ];
  # The coordinator's CA joins the system trust store, where the agent's OpenSSL looks.
  security.pki.certificateFiles = lib.optional (caFile != null) caFile;

  # Facts the agent reads: DMI, disks, NICs. No login needed for unattended installs.
  services.getty.autologinUser = lib.mkForce null;
  networking.useDHCP = lib.mkDefault true;

  systemd.services.photon-bootstrap = {
    description = "Photon bootstrap: phone home and install";
    wantedBy = [ "multi-user.target" ];
    after = [ "network-online.target" ];
    wants = [ "network-online.target" ];
    unitConfig.ConditionPathExists = "/iso/photon/bootstrap-token";
    # Installing partitions disks and writes the target system: this unit is root with its
    # full capabilities, on a live system that holds nothing else.
    path = [ config.nix.package pkgs.util-linux pkgs.parted pkgs.dosfstools pkgs.e2fsprogs ];
    serviceConfig = {
      Type = "exec";
      ExecStart = lib.escapeShellArgs ([
        "${photon}/bin/photon-agent" "bootstrap"
        "--coordinator" coordinatorUrl
        "--bootstrap-token-file" "/iso/photon/bootstrap-token"
        "--state-dir" "/var/lib/photon-agent"
      ]);
      Restart = "on-failure";
      RestartSec = 10;
      StateDirectory = "photon-agent";
      StandardOutput = "journal+console";
    };
  };
}
