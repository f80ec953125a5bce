# BGP of the cluster declaration: the cluster ASN, its external peers (routers every node peers
# with), route reflectors, and per-node overrides. The output holds, for every node with an
# address, the BGP document its agent renders into bird.conf:
#   { asn, router_id, neighbors: [{ address, asn, password?, bfd?, hold_time?, keepalive_time?,
#                                   route_reflector_client? }],
#     communities }
# Route reflectors peer with every other node of their ASN (as clients); the other nodes peer
# with the reflectors only, so iBGP needs no full mesh.
{ c, ip, d, nodeList }:
let
  inherit (c) ensure require join at;
  b = d.bgp;
  forEachIndex = list: f: builtins.genList (i: f i (builtins.elemAt list i)) (builtins.length list);

  maxAsn = 4294967294; # 0 and 4294967295 are reserved (RFC 7607, RFC 7300)
  checkAsn = path: v:
    ensure [ (c.checkType builtins.isInt "an integer" path v) ]
      (require (v >= 1 && v <= maxAsn) path "ASN must be between 1 and ${toString maxAsn} (got ${toString v})");

  isCommunity = s: builtins.isString s &&
    (let m = builtins.match "([0-9]{1,10}):([0-9]{1,5})" s; in
     m != null && builtins.fromJSON (builtins.elemAt m 0) <= 65535 && builtins.fromJSON (builtins.elemAt m 1) <= 65535);

  # bfd = true | false | { intervalMs; multiplier; }. Left out, an external peer gets BFD at
  # 100 ms x 3 (BIRD runs eBGP only on a shared segment); the rules are common/api/bgp_session.h's.
  bfdDoc = path: v:
    if builtins.isBool v then v
    else ensure [
      (require (builtins.isAttrs v) path "must be true, false or { intervalMs; multiplier; } (got ${c.typeOf v})")
      (c.checkKnown path v [ "intervalMs" "multiplier" ])
      (c.checkInt (join path "intervalMs") (v.intervalMs or 100) 10 10000)
      (c.checkInt (join path "multiplier") (v.multiplier or 3) 1 255)
    ] (c.optionalAttrs (v ? intervalMs) { interval_ms = v.intervalMs; }
      // c.optionalAttrs (v ? multiplier) { inherit (v) multiplier; });
  # holdTime 0 (never time out) or 3-65535 s, default 9; keepaliveTime below it (default a third).
  checkTimers = path: p:
    let hold = p.holdTime or 9; in
    ensure [
      (c.checkInt (join path "holdTime") hold 0 65535)
      (require (hold == 0 || hold >= 3) (join path "holdTime") "must be 0 (never time out) or 3-65535 seconds (got ${toString hold})")
      (require (!(p ? keepaliveTime) || hold != 0) (join path "keepaliveTime") "must be left out when holdTime is 0 (no keepalives)")
      (c.checkInt (join path "keepaliveTime") (p.keepaliveTime or 1) 1 65535)
      (require ((p.keepaliveTime or 0) < hold || hold == 0) (join path "keepaliveTime") "must be less than holdTime (${toString hold} s)")
    ] true;

  peerDoc = path: p:
    ensure [
      (c.checkAttrs path p)
      (c.checkKnown path p [ "name" "address" "asn" "password" "bfd" "holdTime" "keepaliveTime" ])
      (require (ip.isIp (p.address or null)) (join path "address")
        "is not an IP address (got ${builtins.toJSON (p.address or null)})")
      (require (p ? asn) (join path "asn") "is required")
      (checkAsn (join path "asn") p.asn)
      (c.checkString (join path "password") (p.password or ""))
      (checkTimers path p)
    ] ({ inherit (p) address asn; inherit path; }
      // c.optionalAttrs (p ? password) { inherit (p) password; }
      // c.optionalAttrs (p ? bfd) { bfd = bfdDoc (join path "bfd") p.bfd; }
      // c.optionalAttrs (p ? holdTime) { hold_time = p.holdTime; }
      // c.optionalAttrs (p ? keepaliveTime) { keepalive_time = p.keepaliveTime; });
  peerList = path: peers:
    ensure [ (c.checkList path peers) ] (forEachIndex peers (i: peerDoc (at path i)));

  globalPeers = peerList "bgp.peers" (b.peers or [ ]);
  communities = b.communities or [ ];
  reflectors = b.routeReflectors or [ ];
  nodeByName = builtins.listToAttrs (map (n: { inherit (n) name; value = n; }) nodeList);

  nodeBgp = n: n.decl.bgp or { };
  asnOf = n: (nodeBgp n).asn or b.asn;
  speakers = builtins.filter (n: n.address != null || (nodeBgp n) ? routerId) nodeList;
  isReflector = n: builtins.elem n.name reflectors;
  reflectorNodes = builtins.filter isReflector speakers;

  nodeDoc = n:
    let
      path = "${n.path}.bgp";
      nb = nodeBgp n;
      asn = asnOf n;
      # Only reflectors look at every node: the others look at the reflectors, which keeps
      # a 1,000-node declaration linear.
      sameAsn = builtins.filter (o: o.name != n.name && o.address != null && asnOf o == asn);
      ibgp =
        if isReflector n then
          map (o: { address = o.decl.address; inherit asn; path = "${o.path}.address"; }
            // c.optionalAttrs (!isReflector o) { route_reflector_client = true; }) (sameAsn speakers)
        else
          map (o: { address = o.decl.address; inherit asn; path = "bgp.routeReflectors"; })
            (sameAsn reflectorNodes);
      neighbors = globalPeers ++ peerList (join path "peers") (nb.peers or [ ]) ++ ibgp;
      dup = c.firstDuplicate (x: x.address) neighbors;
    in
    ensure [
      (c.checkAttrs path nb)
      (c.checkKnown path nb [ "asn" "routerId" "peers" ])
      (checkAsn (join path "asn") asn)
      (require (!(nb ? routerId) || ip.isIpv4 nb.routerId) (join path "routerId") "is not an IPv4 address")
      (require (dup == null) (dup.second.path or "") "neighbour ${dup.k or ""} of nodes.${n.name} is already given by ${dup.first.path or ""}")
    ] {
      name = n.name;
      value = {
        inherit asn communities;
        router_id = nb.routerId or n.decl.address;
        neighbors = map (x: removeAttrs x [ "path" ]) neighbors;
      };
    };

  checks = [
    (c.checkAttrs "bgp" b)
    (c.checkKnown "bgp" b [ "asn" "communities" "peers" "routeReflectors" ])
    (require (b ? asn) "bgp.asn" "is required")
    (checkAsn "bgp.asn" b.asn)
    (c.checkList "bgp.communities" communities)
    (ensure (forEachIndex communities (i: s: require (isCommunity s) (at "bgp.communities" i)
      "is not a community like \"65000:100\" (two numbers up to 65535)")) true)
    (c.checkList "bgp.routeReflectors" reflectors)
    (ensure (forEachIndex reflectors (i: r: ensure [
      (require (builtins.isString r && nodeByName ? ${r}) (at "bgp.routeReflectors" i)
        "unknown node ${builtins.toJSON r}")
      (require (nodeByName.${r}.address != null) (at "bgp.routeReflectors" i)
        "node '${r}' has no address to peer on")
    ] true)) true)
  ];
in
ensure checks {
  inherit (b) asn;
  inherit communities;
  route_reflectors = reflectors;
  peers = map (x: removeAttrs x [ "path" ]) globalPeers;
  nodes = builtins.listToAttrs (map nodeDoc speakers);
}
