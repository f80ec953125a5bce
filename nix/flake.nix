# Photon's flake. It lives in nix/ (the repository's top level is fixed); `../.` is the
# repository, which Nix copies whole when the flake is used as `git+file:.?dir=nix`.
#   nix build ./nix#photon
#   nix build ./nix#iso      (no token: use iso/build-iso, which adds it after the build)
# A cluster flake uses it as an input:
#   nixosConfigurations = photon.lib.nixosConfigurations {
#     declaration = import ./cluster.nix;
#     coordinator = { url = "http://10.0.0.12:7480"; adminTokenFile = "/run/keys/admin";
#                     bootstrapTokenFile = "/run/keys/bootstrap"; };
#   };
{
  description = "Photon: bare-metal NixOS clusters from one Nix declaration";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      lib = nixpkgs.lib;
      photon = pkgs.callPackage ./package.nix { src = ../.; };
      clusterDocument = import ./lib/cluster.nix;
      ip = import ./lib/ip.nix;

      # The NixOS configuration of one declared node: the agent always, the coordinator on the
      # nodes the declaration pins the "coordinator" core service to, a static address on the
      # declared MAC, and the node's own `system` module last.
      nodeModule = { declaration, coordinator, name, node }: { lib, ... }:
        let
          pool = declaration.pools.${node.pool} or null;
          cidr = if pool == null then null else ip.parseCidr pool.cidr;
          staticAddress = node ? address && cidr != null && (node.macs or [ ]) != [ ];
        in
        {
          networking.hostName = name;
          services.photon-agent = {
            enable = true;
            package = photon;
            coordinator = coordinator.url;
            bgp = declaration ? bgp;
          };
          services.photon-coordinator = lib.mkIf (builtins.elem "coordinator" (node.coreServices or [ ])) {
            enable = true;
            package = photon;
            cluster = declaration;
            inherit (coordinator) adminTokenFile bootstrapTokenFile;
          };
          systemd.network = lib.mkIf staticAddress {
            enable = true;
            networks."10-photon-primary" = {
              matchConfig.MACAddress = builtins.head node.macs;
              address = [ "${node.address}/${toString cidr.prefixLength}" ];
              gateway = lib.optional (pool ? gateway) pool.gateway;
            };
          };
          system.stateVersion = lib.mkDefault "24.05";
        };
    in
    {
      packages.${system} = {
        inherit photon;
        default = photon;
        iso = self.lib.iso { coordinatorUrl = "http://photon-coordinator:7480"; };
      };

      nixosModules = {
        photon-agent = import ./modules/photon-agent.nix;
        photon-coordinator = import ./modules/photon-coordinator.nix;
        default = { imports = [ ./modules/photon-agent.nix ./modules/photon-coordinator.nix ]; };
      };

      lib = {
        inherit clusterDocument;
        # The coordinator's document as a file in the store (for `photonctl cluster apply`).
        clusterJson = declaration:
          pkgs.writeText "cluster.json" (builtins.toJSON (clusterDocument declaration));

        # { <node name> = nixosSystem; } for every node of the declaration. The declaration is
        # validated first, so a mistake stops here naming its attribute path.
        nixosConfigurations = { declaration, coordinator, modules ? [ ] }:
          builtins.deepSeq (clusterDocument declaration)
            (builtins.mapAttrs (name: node: lib.nixosSystem {
              inherit system;
              modules = [
                self.nixosModules.default
                (nodeModule { inherit declaration coordinator name node; })
                (node.system or { })
              ] ++ modules;
            }) (declaration.nodes or { }));

        # The bootstrap ISO, without its token (iso/build-iso adds the token to the image after
        # the build, so that it never enters the Nix store).
        iso = { coordinatorUrl, caFile ? null }:
          (lib.nixosSystem {
            inherit system;
            modules = [ (import ../iso/photon-iso.nix { inherit photon coordinatorUrl caFile; }) ];
          }).config.system.build.isoImage;
      };
    };
}
