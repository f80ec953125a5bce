# Services, core services (pinned to named nodes) and VIPs of the cluster declaration.
# Service specs are the coordinator's placement documents (PUT /api/v1/services/{name}) and
# pass through as written; only what refers to other parts of the declaration is checked here,
# because that is what the coordinator cannot see when it receives one service at a time.
{ c, ip, d, poolList, nodeList, classes, pools }:
let
  inherit (c) ensure require join at;
  services = d.services or { };
  coreServices = d.coreServices or { };
  vips = d.vips or { };
  nodeNames = map (n: n.name) nodeList;
  forEach = attrs: f: map (name: f name attrs.${name}) (builtins.attrNames attrs);
  forEachIndex = list: f: builtins.genList (i: f i (builtins.elemAt list i)) (builtins.length list);
  names = attrs: builtins.concatStringsSep ", " (builtins.attrNames attrs);

  serviceDoc = name: s:
    let
      path = "services.${name}";
      sel = s.selector or { };
      spath = join path "selector";
    in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path s)
      (require (!(coreServices ? ${name})) path "is also declared in coreServices")
      (require (s ? replicas || (s.global or false)) path "needs replicas = N or global = true")
      (require (!(s ? replicas && (s.global or false))) path "has both replicas and global = true")
      (c.checkInt (join path "replicas") (s.replicas or 0) 0 10000)
      (c.checkBool (join path "global") (s.global or false))
      (c.checkAttrs spath sel)
      (require (!(sel ? pool) || pools ? ${sel.pool}) (join spath "pool")
        "unknown pool '${toString (sel.pool or "")}' (declared: ${names pools})")
      (require (!(sel ? class) || classes ? ${sel.class}) (join spath "class")
        "unknown class '${toString (sel.class or "")}' (declared: ${names classes})")
      (c.checkLabels (join spath "labels") (sel.labels or { }))
    ] ({ inherit name; } // s);

  # A core service runs on the nodes named for it, never moved by placement. The nodes come
  # from coreServices.<name>.nodes and from each node's own coreServices list.
  coreServiceDoc = name: s:
    let
      path = "coreServices.${name}";
      listed = s.nodes or [ ];
      fromNodes = map (n: n.name) (builtins.filter (n: builtins.elem name n.pinned) nodeList);
      all = builtins.attrNames (builtins.listToAttrs (map (n: { name = n; value = true; }) (listed ++ fromNodes)));
    in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path s)
      (c.checkList (join path "nodes") listed)
      (ensure (forEachIndex listed (i: n: require (builtins.isString n && builtins.elem n nodeNames)
        (at (join path "nodes") i) "unknown node ${builtins.toJSON n} (declared nodes: ${builtins.concatStringsSep ", " nodeNames})")) true)
      (require (all != [ ]) path "is pinned to no node (set nodes = [ \"...\" ] here or coreServices in a node)")
    ] ({ inherit name; } // removeAttrs s [ "nodes" ] // { nodes = all; });

  vipInfo = name: v:
    let
      path = "vips.${name}";
      route = ip.hostRoute (v.address or null);
      address = if route == null then null else ip.parseIpv4 (builtins.head (builtins.match "([^/]+)/32" route));
      inRange = builtins.filter (p: address >= p.start && address <= p.end) poolList;
    in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path v)
      (c.checkKnown path v [ "address" "service" ])
      (require (route != null) (join path "address")
        "must be an IPv4 host address like \"10.0.100.1\" or \"10.0.100.1/32\" (got ${builtins.toJSON (v.address or null)})")
      # Announced to the fabric and put on the node: these would hijack its own traffic.
      (require (address == null || !(address == 0 || address / 16777216 == 127
          || address / 268435456 == 14 || address / 65536 == 43518)) (join path "address")
        "must not be 0.0.0.0, loopback (127/8), multicast (224/4) or link-local (169.254/16)")
      (require (address == null || inRange == [ ]) (join path "address")
        "lies inside the allocation range of pools.${(builtins.head inRange).name}")
      (require (v ? service) (join path "service") "is required")
      (require (services ? ${v.service} || coreServices ? ${v.service}) (join path "service")
        "unknown service '${v.service}' (declared: ${names (services // coreServices)})")
    ] {
      inherit path;
      key = builtins.head (builtins.match "([^/]+)/32" route);
      doc = { inherit name; address = route; inherit (v) service; };
    };

  serviceDocs = forEach services serviceDoc;
  coreDocs = forEach coreServices coreServiceDoc;
  vipInfos = forEach vips vipInfo;

  # One address, one owner: node addresses and VIPs together.
  addresses =
    builtins.concatMap (n: if n.address == null then [ ] else [ { key = n.decl.address; path = "${n.path}.address"; } ]) nodeList
    ++ map (v: { inherit (v) key; path = "${v.path}.address"; }) vipInfos;
  dup = c.firstDuplicate (x: x.key) addresses;
in
{
  checks = [ (c.checkAttrs "services" services) (c.checkAttrs "vips" vips) ]
    ++ serviceDocs ++ coreDocs ++ vipInfos
    ++ [ (require (dup == null) (dup.second.path or "") "address ${dup.k or ""} is already used by ${dup.first.path or ""}") ];
  services = serviceDocs;
  coreServices = coreDocs;
  vips = map (v: v.doc) vipInfos;
}
