# services.photon-agent: the node agent in `run` mode, polling the coordinator and reconciling
# this node (NixOS generation, units, VMs, BGP VIPs).
{ config, lib, pkgs, ... }:
let
  cfg = config.services.photon-agent;
  inherit (lib) mkOption mkEnableOption mkIf types;
in
{
  options.services.photon-agent = {
    enable = mkEnableOption "the Photon node agent";
    package = mkOption {
      type = types.package;
      description = "The package holding photon-agent.";
    };
    coordinator = mkOption {
      type = types.str;
      example = "https://coordinator.lab:7480";
      description = "URL of the coordinator's REST API.";
    };
    caFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = ''
        CA certificate of the coordinator's TLS certificate (public, may live in the store).
        The agent checks the coordinator against it (--ca-file) and it joins the system trust
        store for photonctl. The node's own client certificate, once issued, lives in the
        state directory (node.crt, node.key) and is presented on every call.
      '';
    };
    watchdogSec = mkOption {
      type = types.ints.positive;
      default = 60;
      description = "systemd restarts the agent when it misses its watchdog this long.";
    };
    bgp = mkOption {
      type = types.bool;
      default = false;
      description = "Let the agent drive BIRD (control socket group) for VIP announcements.";
    };
    metricsListen = mkOption {
      type = types.nullOr types.str;
      default = "127.0.0.1:9478";
      example = "[::1]:9478";
      description = ''
        IP:PORT the agent serves Prometheus metrics on (GET /metrics; --metrics-listen), null
        for none. Loopback by default: a local Prometheus or a node exporter's proxy scrapes it.
        The metrics name the node's services and VIPs, so firewall any other address to the
        scraper. Example alert rules: nix/alerts/photon-agent.rules.yml.
      '';
    };
    vmImageDirs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "/var/lib/photon-images" ];
      description = ''
        Directories VM disk images may live in (--vm-image-dir). The agent creates disks there
        and hands each to the uid of the VM's QEMU (one per VM); they must be traversable (o+x)
        by it. Listed in the agent's ReadWritePaths.
      '';
    };
    extraFlags = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
  };

  config = mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];
    security.pki.certificateFiles = lib.optional (cfg.caFile != null) cfg.caFile;

    systemd.services.photon-agent = {
      description = "Photon node agent";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      # Never restarted by a switch: the agent itself runs switch-to-configuration, and its
      # restart must not interrupt the activation it is driving.
      restartIfChanged = false;
      # util-linux: setpriv starts each VM's QEMU as the VM's own uid.
      path = [ config.nix.package pkgs.util-linux ];
      serviceConfig = {
        Type = "notify";
        NotifyAccess = "main";
        WatchdogSec = cfg.watchdogSec;
        Restart = "always";
        RestartSec = 2;
        # Workloads are their own units: stopping the agent stops only the agent.
        KillMode = "process";
        ExecStart = lib.escapeShellArgs ([
          "${cfg.package}/bin/photon-agent" "run"
          "--coordinator" cfg.coordinator
          # The node token, issued at enrollment, lives here (written by the installer).
          "--state-dir" "/var/lib/photon-agent"
        ] ++ lib.optionals (cfg.caFile != null) [ "--ca-file" "${cfg.caFile}" ]
          ++ lib.optionals (cfg.metricsListen != null) [ "--metrics-listen" cfg.metricsListen ]
          ++ lib.concatMap (d: [ "--vm-image-dir" d ]) cfg.vmImageDirs
          ++ cfg.extraFlags);
        StateDirectory = "photon-agent";
        StateDirectoryMode = "0700";
        # VMs' socket directories (/run/photon-vm/<name>, each its VM's uid's), kept across an
        # agent restart: the QEMUs in them keep running.
        RuntimeDirectory = "photon-vm";
        RuntimeDirectoryMode = "0711";
        RuntimeDirectoryPreserve = "yes";

        # Not DynamicUser: the agent is the node's manager. It stays uid 0 but keeps only
        # the capabilities it uses itself; privileged work is done by systemd on its behalf
        # in transient units it starts over D-Bus, outside this sandbox:
        #   - the instances (photon-<name>.service);
        #   - each VM's QEMU (photon-vm-<name>.service, a uid of its own, its own cgroup,
        #     capability set and seccomp filter; not under this unit's MemoryDenyWriteExecute,
        #     TCG writes code);
        #   - switch-to-configuration (photon-switch-<id>.service, photon-rollback-<id>.service):
        #     it needs all of root (/etc, the boot loader, restarting units), which this unit's
        #     ProtectSystem=strict and capability set would refuse; in its own unit it also
        #     outlives an agent restart, and systemd kills it at the activation's deadline.
        #   CAP_NET_ADMIN  the photon0 dummy link and VIP addresses over netlink
        #   CAP_SYS_ADMIN  systemd checks it before StartTransientUnit/StopUnit from a bus client
        #   CAP_CHOWN, CAP_FOWNER  a VM's disks and socket directory are handed to its uid
        #   CAP_DAC_OVERRIDE  reaching a VM's QMP socket in its unit's 0700 RuntimeDirectory
        #   CAP_SETUID, CAP_SETGID  an instance's exec health check runs as the instance's user
        #   CAP_SYS_CHROOT, CAP_SYS_PTRACE, CAP_SETPCAP  a container instance's exec health
        #     check joins the container's namespaces (nsenter: setns into a mount namespace
        #     needs SYS_CHROOT; /proc/<leader>/ns and /root of a process holding capabilities
        #     the agent lacks need SYS_PTRACE), and setpriv first cuts its bounding set down to
        #     the container's own (dropping from the bounding set needs SETPCAP)
        CapabilityBoundingSet = [ "CAP_NET_ADMIN" "CAP_SYS_ADMIN" "CAP_CHOWN" "CAP_FOWNER"
                                  "CAP_DAC_OVERRIDE" "CAP_SETUID" "CAP_SETGID"
                                  "CAP_SYS_CHROOT" "CAP_SYS_PTRACE" "CAP_SETPCAP" ];
        SupplementaryGroups = lib.optional cfg.bgp "bird2";
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        # The system profile and its GC roots (nix-env -p /nix/var/nix/profiles/system).
        ReadWritePaths = [ "/nix/var/nix/profiles" "/nix/var/nix/gcroots" ] ++ cfg.vmImageDirs;
        ProtectHome = true;
        PrivateTmp = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectClock = true;
        ProtectHostname = true;
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" ];
        # setns into these for a container instance's exec health check (nsenter); the
        # seccomp filter also binds the check, which inherits it. No user namespaces. It also
        # makes clone3 fail with ENOSYS: an exec check then starts by fork and joins its unit's
        # cgroup before it execs (docs/units.md). No ProtectControlGroups: a check starts in
        # its unit's cgroup, which needs /sys/fs/cgroup writable (ProtectKernelTunables leaves
        # it so). Not yet tried on a NixOS node.
        RestrictNamespaces = [ "mnt" "uts" "ipc" "net" "pid" ];
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        MemoryDenyWriteExecute = true;
        SystemCallArchitectures = "native";
        UMask = "0077";
      };
    };

    # Each VM's QEMU runs as a uid of its own with no user record (setpriv in its unit); the
    # kvm group, which it also gets, must exist for /dev/kvm.
    users.groups.kvm = { };

    services.bird2 = mkIf cfg.bgp {
      enable = true;
      # The agent renders the real configuration and reloads BIRD over its socket.
      config = lib.mkDefault "router id 127.0.0.1;";
    };
  };
}
