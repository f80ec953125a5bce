# Services, core services (pinned to named nodes) and VIPs of the cluster declaration.
# Service specs are the coordinator's placement documents (PUT /api/v1/services/{name}) and
# pass through as written, checked here as the coordinator checks them (so that a declaration
# that evaluates is one `cluster apply` accepts) and against the rest of the declaration. The
# declaration owns them: `cluster apply` creates, updates (rolls) and deletes them.
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

  # The spec is `photonctl service put`'s document (PUT /api/v1/services/{name}), in the same
  # words; the checks below mirror coordinator/placement/service_spec.cpp so that a declaration
  # that evaluates is one `cluster apply` accepts.
  # `vip` is the declaration's, not the API's: `vip = "10.0.100.2";` is short for
  # vips.<service> = { address = ...; service = <service>; } and is not sent with the spec.
  serviceKeys = [ "replicas" "global" "selector" "resources" "spread" "distinct_hosts" "update" "instance" "vip" ];

  checkResources = path: r: required:
    let lo = if required then 1 else 0; loMem = if required then 1048576 else 0; in
    ensure [
      (c.checkAttrs path r)
      (c.checkKnown path r [ "cpu_millis" "memory_bytes" ])
      (require (!required || (r ? cpu_millis && r ? memory_bytes)) path
        "needs cpu_millis and memory_bytes (e.g. { cpu_millis = 500; memory_bytes = 268435456; })")
      (c.checkInt (join path "cpu_millis") (r.cpu_millis or lo) lo 1024000)
      (c.checkInt (join path "memory_bytes") (r.memory_bytes or loMem) loMem 4398046511104)
    ] true;

  # The units instance every replica runs: a process (exec) or a container (image).
  checkInstance = path: i:
    let
      kind = i.kind or "process";
      reserved = builtins.filter (k: i ? ${k}) [ "name" "service" "revision" "resources" ];
      exec = i.exec or [ ];
      health = i.health or { };
      probes = builtins.filter (k: (health.${k} or null) != null) [ "http" "tcp" "exec" ];
    in
    ensure [
      (c.checkAttrs path i)
      (require (reserved == [ ]) (join path (builtins.head reserved))
        "is set by placement (the service's name and resources), not in the instance")
      (require (kind == "process" || kind == "container") (join path "kind")
        "must be \"process\" or \"container\" (got ${builtins.toJSON kind})")
      (c.checkList (join path "exec") exec)
      (require (kind != "process" || exec != [ ]) (join path "exec")
        "is required for a process: the argv, e.g. [ \"/run/current-system/sw/bin/web\" \"--port\" \"8080\" ]")
      (require (exec == [ ] || builtins.all builtins.isString exec) (join path "exec") "must be a list of strings")
      (require (exec == [ ] || builtins.substring 0 1 (builtins.head exec) == "/") "${join path "exec"}[0]"
        "must be an absolute path (got ${builtins.toJSON (builtins.head exec)})")
      (require (kind != "container" || c.isName (i.image or null)) (join path "image")
        "a container needs an image name of [a-z0-9-] (got ${builtins.toJSON (i.image or null)})")
      (c.checkAttrs (join path "env") (i.env or { }))
      (c.checkAttrs (join path "health") health)
      (require (health == { } || builtins.length probes == 1) (join path "health")
        "needs exactly one of http, tcp, exec")
    ] true;

  serviceDoc = name: s:
    let
      path = "services.${name}";
      sel = s.selector or { };
      spath = join path "selector";
      update = s.update or { };
    in
    ensure [
      (c.checkName path name)
      (require (builtins.stringLength name <= 48) path "service names are at most 48 characters (instance names add a suffix)")
      (c.checkAttrs path s)
      (c.checkKnown path s serviceKeys)
      (require (!(coreServices ? ${name})) path "is also declared in coreServices")
      (require (s ? replicas || (s.global or false)) path "needs replicas = N or global = true")
      (require (!(s ? replicas && (s.global or false))) path "has both replicas and global = true")
      (c.checkInt (join path "replicas") (s.replicas or 0) 0 10000)
      (c.checkBool (join path "global") (s.global or false))
      (c.checkAttrs spath sel)
      (c.checkKnown spath sel [ "labels" "class" "pool" ])
      (require (!(sel ? pool) || pools ? ${sel.pool}) (join spath "pool")
        "unknown pool '${toString (sel.pool or "")}' (declared: ${names pools})")
      (require (!(sel ? class) || classes ? ${sel.class}) (join spath "class")
        "unknown class '${toString (sel.class or "")}' (declared: ${names classes})")
      (c.checkLabels (join spath "labels") (sel.labels or { }))
      (require (s ? resources) (join path "resources") "is required (cpu_millis, memory_bytes)")
      (checkResources (join path "resources") (s.resources or { }) true)
      (c.checkAttrs (join path "spread") (s.spread or { }))
      (c.checkKnown (join path "spread") (s.spread or { }) [ "label" ])
      (c.checkBool (join path "distinct_hosts") (s.distinct_hosts or false))
      (c.checkAttrs (join path "update") update)
      (c.checkKnown (join path "update") update [ "max_parallel" "min_healthy_s" "auto_revert" ])
      (c.checkInt (join (join path "update") "max_parallel") (update.max_parallel or 1) 1 1000)
      (c.checkInt (join (join path "update") "min_healthy_s") (update.min_healthy_s or 10) 0 3600)
      (c.checkBool (join (join path "update") "auto_revert") (update.auto_revert or true))
      (require (s ? instance) (join path "instance")
        "is required: what every replica runs ({ exec = [ ... ]; } or { kind = \"container\"; image = ...; })")
      (checkInstance (join path "instance") (s.instance or { }))
    ] ({ inherit name; } // removeAttrs s [ "vip" ]);

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
      (c.checkKnown path s [ "nodes" "resources" "instance" "vip" ])
      (c.checkList (join path "nodes") listed)
      (ensure (forEachIndex listed (i: n: require (builtins.isString n && builtins.elem n nodeNames)
        (at (join path "nodes") i) "unknown node ${builtins.toJSON n} (declared nodes: ${builtins.concatStringsSep ", " nodeNames})")) true)
      (require (all != [ ]) path "is pinned to no node (set nodes = [ \"...\" ] here or coreServices in a node)")
      (checkResources (join path "resources") (s.resources or { }) false)
      # Optional: a core service NixOS runs itself only reserves capacity; with an instance the
      # agents run it (and its VIP follows its health) on exactly the pinned nodes.
      (if s ? instance then checkInstance (join path "instance") s.instance else true)
    ] ({ inherit name; } // removeAttrs s [ "nodes" "vip" ] // { nodes = all; });

  # A VIP from vips.<name> (path "vips.<name>", its address at "vips.<name>.address") or from a
  # service's `vip` (both at "services.<name>.vip").
  vipInfo = { name, v, path, addressPath ? join path "address" }:
    let
      route = ip.hostRoute (v.address or null);
      address = if route == null then null else ip.parseIpv4 (builtins.head (builtins.match "([^/]+)/32" route));
      inRange = builtins.filter (p: address >= p.start && address <= p.end) poolList;
    in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path v)
      (c.checkKnown path v [ "address" "service" ])
      (require (route != null) addressPath
        "must be an IPv4 host address like \"10.0.100.1\" or \"10.0.100.1/32\" (got ${builtins.toJSON (v.address or null)})")
      # Announced to the fabric and put on the node: these would hijack its own traffic.
      (require (address == null || !(address == 0 || address / 16777216 == 127
          || address / 268435456 == 14 || address / 65536 == 43518)) addressPath
        "must not be 0.0.0.0, loopback (127/8), multicast (224/4) or link-local (169.254/16)")
      (require (address == null || inRange == [ ]) addressPath
        "lies inside the allocation range of pools.${(builtins.head inRange).name}")
      (require (v ? service) (join path "service") "is required")
      (require (services ? ${v.service} || coreServices ? ${v.service}) (join path "service")
        "unknown service '${v.service}' (declared: ${names (services // coreServices)})")
    ] {
      inherit path addressPath;
      key = builtins.head (builtins.match "([^/]+)/32" route);
      doc = { inherit name; address = route; inherit (v) service; };
    };

  serviceDocs = forEach services serviceDoc;
  coreDocs = forEach coreServices coreServiceDoc;
  shortVips = section: prefix: builtins.concatMap (name:
    let sv = section.${name}; in
    if builtins.isAttrs sv && sv ? vip then [ {
      inherit name;
      v = { address = sv.vip; service = name; };
      path = "${prefix}.${name}.vip";
      addressPath = "${prefix}.${name}.vip";
    } ] else [ ]) (builtins.attrNames section);
  fromServices = shortVips services "services" ++ shortVips coreServices "coreServices";
  vipInfos = forEach vips (name: v: vipInfo { inherit name v; path = "vips.${name}"; })
    ++ map (x: ensure [ (require (!(vips ? ${x.name})) x.path
      "vips.${x.name} is declared too: give the VIP in one place") ] (vipInfo x)) fromServices;

  # One address, one owner: node addresses and VIPs together.
  addresses =
    builtins.concatMap (n: if n.address == null then [ ] else [ { key = n.decl.address; path = "${n.path}.address"; } ]) nodeList
    ++ map (v: { inherit (v) key; path = v.addressPath; }) vipInfos;
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
