# packages.photon: the CMake build with nixpkgs' libraries (the ones scripts/install-deps takes
# from Debian). The project has no install rules, so the three programs are copied by hand.
{ lib, stdenv, cmake, pkg-config, httplib, nlohmann_json, systemd, libnl, boost, sqlite
, openssl, zlib, brotli, catch2, freeipmi, src }:
stdenv.mkDerivation {
  pname = "photon";
  version = "0.1.0";
  inherit src;
  nativeBuildInputs = [ cmake pkg-config ];
  # freeipmi: the coordinator's IPMI driver and the agent's in-band BMC facts.
  buildInputs = [ httplib nlohmann_json systemd libnl boost sqlite openssl zlib brotli catch2 freeipmi ];
  cmakeFlags = [ "-DBUILD_TESTING=OFF" "-DCMAKE_BUILD_TYPE=RelWithDebInfo" ];
  installPhase = ''
    runHook preInstall
    install -Dm755 coordinator/photon-coordinator $out/bin/photon-coordinator
    install -Dm755 coordinator/photonctl $out/bin/photonctl
    install -Dm755 agent/photon-agent $out/bin/photon-agent
    runHook postInstall
  '';
  meta = {
    description = "Bare-metal NixOS cluster manager: coordinator, node agent and CLI";
    platforms = lib.platforms.linux;
    mainProgram = "photonctl";
  };
}
