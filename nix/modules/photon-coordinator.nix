# services.photon-coordinator: the coordinator as a hardened systemd service, and the cluster
# declaration (Nix -> nix/lib/cluster.nix -> JSON) applied to it whenever it starts.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.photon-coordinator;
  inherit (lib) mkOption mkEnableOption mkIf types;
  clusterDocument = import ../lib/cluster.nix cfg.cluster;
  # The document holds no secret (tokens are files, read at run time), so the store is fine.
  clusterFile = pkgs.writeText "photon-cluster-${cfg.cluster.name or "cluster"}.json"
    (builtins.toJSON clusterDocument);
  port = lib.last (lib.splitString ":" cfg.listen);
  tlsOn = cfg.tls.certFile != null;
  localUrl = if tlsOn then "https://${cfg.tls.localName}:${port}" else "http://127.0.0.1:${port}";
  secretPath = types.addCheck types.str (p: lib.hasPrefix "/" p && !lib.hasPrefix builtins.storeDir p)
    // { description = "absolute path outside the Nix store"; };
in
{
  options.services.photon-coordinator = {
    enable = mkEnableOption "the Photon coordinator";
    package = mkOption {
      type = types.package;
      description = "The package holding photon-coordinator and photonctl.";
    };
    listen = mkOption {
      type = types.str;
      default = "0.0.0.0:7480";
      description = "HOST:PORT the REST API serves on.";
    };
    adminTokenFile = mkOption {
      type = secretPath;
      example = "/run/keys/photon-admin-token";
      description = ''
        File holding the operator's token. A path as a string, read at run time through
        systemd credentials: it never enters the Nix store.
      '';
    };
    bootstrapTokenFile = mkOption {
      type = secretPath;
      example = "/run/keys/photon-bootstrap-token";
      description = "File holding the token baked into the boot ISO (phone-home only).";
    };
    cluster = mkOption {
      type = types.nullOr types.attrs;
      default = null;
      description = ''
        The cluster declaration (see docs/nix.md). When set, it is turned into the cluster
        document at build time (a mistake fails the build, naming its attribute path) and
        applied with `photonctl cluster apply` each time the coordinator starts.
      '';
    };
    tls = {
      certFile = mkOption {
        type = types.nullOr secretPath;
        default = null;
        example = "/run/keys/photon-coordinator.crt";
        description = ''
          PEM certificate chain the API is served with over HTTPS. Without it the coordinator
          serves plain HTTP only on loopback, or anywhere with `insecureHttp`.
        '';
      };
      keyFile = mkOption {
        type = types.nullOr secretPath;
        default = null;
        description = "The certificate's private key, read through systemd credentials.";
      };
      caFile = mkOption {
        type = types.nullOr types.path;
        default = null;
        description = "CA that signed certFile (public): photonctl checks the local API with it.";
      };
      clientCaFile = mkOption {
        type = types.nullOr types.path;
        default = null;
        description = ''
          CA that signs the nodes' client certificates: a node presenting one is known by it
          (see docs/certificates.md).
        '';
      };
      localName = mkOption {
        type = types.str;
        default = "localhost";
        description = "A name certFile is valid for, used to reach the API from this machine.";
      };
    };
    insecureHttp = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Serve plain HTTP on a non-loopback address. Every token then crosses the network in
        clear text: for a lab network only.
      '';
    };
    watchdogSec = mkOption {
      type = types.ints.positive;
      default = 30;
      description = "systemd restarts the coordinator when it misses its watchdog this long.";
    };
    extraFlags = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "--log-level" "debug" ];
    };
  };

  config = mkIf cfg.enable {
    assertions = [{
      assertion = (cfg.tls.certFile == null) == (cfg.tls.keyFile == null);
      message = "services.photon-coordinator.tls: certFile and keyFile go together";
    }];
    environment.systemPackages = [ cfg.package ];
    networking.firewall.allowedTCPPorts = [ (lib.toInt port) ];

    systemd.services.photon-coordinator = {
      description = "Photon coordinator";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      serviceConfig = {
        Type = "notify";
        NotifyAccess = "main";
        WatchdogSec = cfg.watchdogSec;
        Restart = "always";
        RestartSec = 2;
        ExecStart = lib.escapeShellArgs ([
          "${cfg.package}/bin/photon-coordinator"
          "--listen" cfg.listen
          "--data-dir" "/var/lib/photon-coordinator"
          # %d: systemd's credentials directory, readable only by this service.
          "--admin-token-file" "%d/admin-token"
          "--bootstrap-token-file" "%d/bootstrap-token"
        ] ++ lib.optionals tlsOn [ "--tls-cert" "%d/tls-cert" "--tls-key" "%d/tls-key" ]
          ++ lib.optionals (cfg.tls.clientCaFile != null) [ "--client-ca" "${cfg.tls.clientCaFile}" ]
          ++ lib.optional cfg.insecureHttp "--insecure-http"
          ++ cfg.extraFlags);
        ExecStartPost = lib.optional (cfg.cluster != null) (lib.escapeShellArgs ([
          "${cfg.package}/bin/photonctl"
          "--coordinator" localUrl
          "--token-file" "%d/admin-token"
        ] ++ lib.optionals (cfg.tls.caFile != null) [ "--ca-file" "${cfg.tls.caFile}" ] ++ [
          "cluster" "apply" "${clusterFile}"
        ]));
        LoadCredential = [
          "admin-token:${cfg.adminTokenFile}"
          "bootstrap-token:${cfg.bootstrapTokenFile}"
        ] ++ lib.optionals tlsOn [ "tls-cert:${cfg.tls.certFile}" "tls-key:${cfg.tls.keyFile}" ];
        # Every agent holds a connection (its long-poll): room for 10,000 and more.
        LimitNOFILE = 65536;

        # The coordinator only serves HTTP and writes its SQLite file: it needs no privilege.
        DynamicUser = true;
        StateDirectory = "photon-coordinator";
        StateDirectoryMode = "0700";
        CapabilityBoundingSet = [ "" ];
        AmbientCapabilities = [ "" ];
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        ProtectProc = "invisible";
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        MemoryDenyWriteExecute = true;
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" "~@privileged" "~@resources" ];
        UMask = "0077";
      };
    };
  };
}
