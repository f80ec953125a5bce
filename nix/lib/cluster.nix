# The cluster declaration -> the coordinator's cluster document (PUT /api/v1/cluster).
#
# A pure function over builtins only, so that it evaluates without nixpkgs:
#   nix-instantiate --eval --strict --json --expr \
#     'import ./nix/lib/cluster.nix (import ./nix/examples/lab.nix)'
# The declaration's shape is described in docs/nix.md. Every mistake throws a message that
# starts with its attribute path ("photon cluster: pools.web.range.end: ..."). Attribute sets
# keyed by name become lists in name order, so the document is the same for the same input.
declaration:
let
  c = import ./check.nix;
  ip = import ./ip.nix;
  inherit (c) ensure require join at;
  d = declaration;

  section = key: d.${key} or { };
  classes = section "classes";
  pools = section "pools";
  nodes = section "nodes";
  rules = section "rules";
  coreServices = section "coreServices";
  forEach = attrs: f: map (name: f name attrs.${name}) (builtins.attrNames attrs);
  forEachIndex = list: f: builtins.genList (i: f i (builtins.elemAt list i)) (builtins.length list);
  hasIndex = pattern: builtins.match ".*[{]index[}].*" pattern != null;

  classDoc = name: k:
    let path = "classes.${name}"; in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path k)
      (c.checkKnown path k [ "labels" ])
      (c.checkLabels (join path "labels") (k.labels or { }))
    ] { inherit name; labels = k.labels or { }; };

  poolInfo = name: p:
    let
      path = "pools.${name}";
      cidr = ip.parseCidr (p.cidr or null);
      range = p.range or { };
      start = ip.parseIpv4 (range.start or null);
      end = ip.parseIpv4 (range.end or null);
      gateway = ip.parseIpv4 (p.gateway or null);
      pattern = p.hostnamePattern or "{pool}-{index}";
      sample = builtins.replaceStrings [ "{pool}" "{index}" ] [ name "1" ] pattern;
    in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path p)
      (c.checkKnown path p [ "cidr" "range" "gateway" "hostnamePattern" "diskLayout" "profile" ])
      (require (cidr != null) (join path "cidr")
        "must be an IPv4 network like \"10.0.1.0/24\" with no host bits set (got ${builtins.toJSON (p.cidr or null)})")
      (require (p ? range) (join path "range") "is required: { start = \"10.0.1.10\"; end = \"10.0.1.99\"; }")
      (c.checkAttrs (join path "range") range)
      (c.checkKnown (join path "range") range [ "start" "end" ])
      (require (start != null) "${path}.range.start" "is not an IPv4 address")
      (require (end != null) "${path}.range.end" "is not an IPv4 address")
      (require (ip.cidrContains cidr start) "${path}.range.start" "lies outside cidr ${p.cidr}")
      (require (ip.cidrContains cidr end) "${path}.range.end" "lies outside cidr ${p.cidr}")
      (require (end >= start) "${path}.range.end" "comes before range.start")
      (require (!(p ? gateway) || gateway != null) (join path "gateway") "is not an IPv4 address")
      (require (gateway == null || ip.cidrContains cidr gateway) (join path "gateway") "lies outside cidr ${p.cidr}")
      (require (gateway == null || gateway < start || gateway > end) (join path "gateway")
        "lies inside the allocation range, where the coordinator hands out node addresses")
      (c.checkString (join path "hostnamePattern") pattern)
      (require (hasIndex pattern) (join path "hostnamePattern") "must contain {index}")
      (require (c.isHostname sample) (join path "hostnamePattern")
        "does not make a valid hostname (\"${sample}\" for the first node)")
      (c.checkString (join path "diskLayout") (p.diskLayout or ""))
      # A name the installer looks up under /etc/photon/disk-layouts/, never a path.
      (require (builtins.match "([A-Za-z0-9_][A-Za-z0-9._-]{0,62})?" (p.diskLayout or "") != null)
        (join path "diskLayout") "must be a layout name: 1-63 characters of [A-Za-z0-9._-], not starting with '.'")
      (c.checkString (join path "profile") (p.profile or ""))
    ] {
      inherit name path cidr start end;
      doc = {
        inherit name;
        cidr = p.cidr;
        range_start = range.start;
        range_end = range.end;
        gateway = p.gateway or "";
        hostname_pattern = pattern;
        disk_layout = p.diskLayout or "";
        profile = p.profile or "";
      };
    };
  poolList = forEach pools poolInfo;
  poolByName = builtins.listToAttrs (map (p: { inherit (p) name; value = p; }) poolList);

  # Sorted by start, two pools overlap iff some neighbouring pair does.
  poolOverlaps =
    let
      sorted = builtins.sort (a: b: a.start < b.start) poolList;
      pairs = builtins.genList (i: { a = builtins.elemAt sorted i; b = builtins.elemAt sorted (i + 1); })
        (builtins.length sorted - 1);
    in
    map ({ a, b }: require (b.start > a.end) "${b.path}.range"
      "overlaps the range of pools.${a.name} (${a.doc.range_start} - ${a.doc.range_end})")
      (if sorted == [ ] then [ ] else pairs);

  checkMacs = path: macs:
    ensure ([ (c.checkList path macs) ]
      ++ forEachIndex macs (i: m: require (c.isMac m) (at path i) "is not a MAC address like \"52:54:00:12:34:56\""))
      true;
  checkMachineId = path: attrs:
    require (!(attrs ? machineId) || c.isMachineId attrs.machineId) (join path "machineId")
      "is not a machine-id (32 lowercase hex digits, as in /etc/machine-id)";
  checkClassRef = path: attrs:
    require (!(attrs ? class) || classes ? ${attrs.class}) (join path "class")
      "unknown class '${toString (attrs.class or "")}' (declared: ${builtins.concatStringsSep ", " (builtins.attrNames classes)})";
  checkPoolRef = path: attrs:
    require (!(attrs ? pool) || pools ? ${attrs.pool}) (join path "pool")
      "unknown pool '${toString (attrs.pool or "")}' (declared: ${builtins.concatStringsSep ", " (builtins.attrNames pools)})";

  # A node's BMC, for power control: the password only ever as a file on the coordinator's host
  # (a declaration lands in the world-readable Nix store).
  checkBmc = path: n:
    let
      b = n.bmc;
      driver = b.driver or null;
    in
    if !(n ? bmc) then true else ensure [
      (c.checkAttrs path b)
      (require (!(b ? password)) (join path "password") "is not accepted: use passwordFile (a file on the coordinator's host)")
      (c.checkKnown path b [ "driver" "address" "port" "username" "passwordFile" "systemId" "scheme"
        "insecureTls" "caFile" "installer" "mac" ])
      # The BMC's own MAC (the chassis label, the BMC's DHCP lease): the machine's agent reads it
      # in-band, and the node's enrollment rule matches on it.
      (require (!(b ? mac) || c.isMac b.mac) (join path "mac") "is not a MAC address like \"52:54:00:12:34:56\"")
      (require (driver == "ipmi" || driver == "redfish") (join path "driver") "must be \"ipmi\" or \"redfish\"")
      (require (b ? address && (ip.parseIpv4 b.address != null || c.isHostname b.address)) (join path "address")
        "must be an IPv4 address or a host name")
      (if b ? port then c.checkInt (join path "port") b.port 1 65535 else true)
      (require (builtins.isString (b.username or null) && b.username != "") (join path "username") "must be a non-empty string")
      (require (!(b ? passwordFile) || (builtins.isString b.passwordFile && builtins.substring 0 1 b.passwordFile == "/"))
        (join path "passwordFile") "must be an absolute path (a file on the coordinator's host, mode 0600)")
      (require (!(b ? installer) || b.installer == "cdrom" || b.installer == "pxe") (join path "installer") "must be \"cdrom\" or \"pxe\"")
      (require (!(b ? scheme) || b.scheme == "https" || b.scheme == "http") (join path "scheme") "must be \"https\" or \"http\"")
      (if b ? insecureTls then c.checkBool (join path "insecureTls") b.insecureTls else true)
    ] true;
  bmcDoc = b: {
    inherit (b) driver address username;
  } // c.optionalAttrs (b ? port) { inherit (b) port; }
    // c.optionalAttrs (b ? passwordFile) { password_file = b.passwordFile; }
    // c.optionalAttrs (b ? systemId) { system_id = b.systemId; }
    // c.optionalAttrs (b ? scheme) { inherit (b) scheme; }
    // c.optionalAttrs (b ? insecureTls) { insecure_tls = b.insecureTls; }
    // c.optionalAttrs (b ? caFile) { ca_file = b.caFile; }
    // c.optionalAttrs (b ? installer) { inherit (b) installer; };

  # A node the operator names: its role, address, pinned core services and BGP settings. Nodes
  # with a machine-id or MACs get an enrollment rule of their own, so that the machine that
  # phones home is recognised as that node.
  nodeInfo = name: n:
    let
      path = "nodes.${name}";
      address = ip.parseIpv4 (n.address or null);
      pool = n.pool or null;
      inRange = builtins.filter (p: address >= p.start && address <= p.end) poolList;
      identified = n ? machineId || (n.macs or [ ]) != [ ] || (n.bmc.mac or null) != null;
      pinned = n.coreServices or [ ];
      role = n.role or "worker";
    in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path n)
      (c.checkKnown path n [ "role" "pool" "class" "address" "machineId" "macs" "serial" "labels" "profile"
        "autoInstall" "coreServices" "bgp" "system" "bmc" ])
      (checkBmc (join path "bmc") n)
      (c.checkName (join path "role") role)
      (checkPoolRef path n)
      (checkClassRef path n)
      (require (!(n ? address) || address != null) (join path "address") "is not an IPv4 address")
      (require (address == null || pool == null || ip.cidrContains poolByName.${pool}.cidr address)
        (join path "address") "lies outside cidr ${poolByName.${pool}.doc.cidr} of pools.${pool}")
      (require (address == null || inRange == [ ]) (join path "address")
        "lies inside the allocation range of pools.${(builtins.head inRange).name}, where the coordinator hands out addresses")
      (checkMachineId path n)
      (checkMacs (join path "macs") (n.macs or [ ]))
      (c.checkString (join path "serial") (n.serial or ""))
      # A MAC can be set by anyone: with a DMI serial beside it, the pair pins the machine (the
      # coordinator installs a node matched by MAC alone only after `photonctl commission`).
      (require (!(n ? serial) || (n.macs or [ ]) != [ ]) (join path "serial")
        "pins the machine only together with macs")
      (c.checkLabels (join path "labels") (n.labels or { }))
      (c.checkString (join path "profile") (n.profile or ""))
      (c.checkBool (join path "autoInstall") (n.autoInstall or false))
      (require (!identified || pool != null) (join path "pool")
        "is required for a node with machineId, macs or bmc.mac (its enrollment rule needs a pool)")
      (require (!identified || builtins.stringLength name <= 58) path
        "name is too long for its enrollment rule 'node-${name}' (58 characters at most)")
      (require (!identified || !(rules ? "node-${name}")) "rules.node-${name}"
        "collides with the enrollment rule made for nodes.${name}")
      (c.checkList (join path "coreServices") pinned)
      (ensure (forEachIndex pinned (i: s: require (builtins.isString s && coreServices ? ${s})
        (at (join path "coreServices") i) "unknown core service ${builtins.toJSON s} (declared in coreServices: ${builtins.concatStringsSep ", " (builtins.attrNames coreServices)})")) true)
    ] {
      inherit name path address role identified pinned;
      decl = n;
      doc = {
        inherit name role;
        pool = n.pool or "";
        class = n.class or "";
        address = n.address or "";
        labels = n.labels or { };
        core_services = pinned;
      } // c.optionalAttrs (n ? machineId) { machine_id = n.machineId; }
        // c.optionalAttrs (n ? macs) { macs = map c.lowerMac n.macs; }
        // c.optionalAttrs (n ? bmc) { bmc = bmcDoc n.bmc; };
    };
  nodeList = forEach nodes nodeInfo;

  nodeRule = n: {
    name = "node-${n.name}";
    priority = 1000000;
    match = c.optionalAttrs (n.decl ? machineId) { machine_id = n.decl.machineId; }
      // c.optionalAttrs ((n.decl.macs or [ ]) != [ ]) { macs = map c.lowerMac n.decl.macs; }
      // c.optionalAttrs (n.decl ? serial) { dmi = { serial = n.decl.serial; }; }
      // c.optionalAttrs ((n.decl.bmc.mac or null) != null) { bmc_macs = [ (c.lowerMac n.decl.bmc.mac) ]; };
    class = n.decl.class or "";
    pool = n.decl.pool;
    profile = n.decl.profile or "";
    labels = (n.decl.labels or { }) // { "photon.io/node" = n.name; "photon.io/role" = n.role; };
    auto_install = n.decl.autoInstall or false;
  };

  ruleDoc = name: r:
    let
      path = "rules.${name}";
      mpath = join path "match";
      m = r.match or { };
      dmi = m.dmi or { };
      dpath = join mpath "dmi";
      opt = key: out: c.optionalAttrs (m ? ${key}) { ${out} = m.${key}; };
    in
    ensure [
      (c.checkName path name)
      (c.checkAttrs path r)
      (c.checkKnown path r [ "priority" "match" "class" "pool" "profile" "labels" "autoInstall" ])
      (c.checkInt (join path "priority") (r.priority or 0) (-1000000) 999999)
      (c.checkAttrs mpath m)
      (c.checkKnown mpath m [ "machineId" "macs" "bmcMacs" "dmi" "minCores" "minMemoryBytes" "virtualization" "minDisks" "labels" ])
      (checkMachineId mpath m)
      (checkMacs (join mpath "macs") (m.macs or [ ]))
      (checkMacs (join mpath "bmcMacs") (m.bmcMacs or [ ]))
      (c.checkAttrs dpath dmi)
      (c.checkKnown dpath dmi [ "vendor" "product" "serial" ])
      (ensure (map (k: c.checkString (join dpath k) dmi.${k}) (builtins.attrNames dmi)) true)
      (c.checkInt (join mpath "minCores") (m.minCores or 0) 0 1048576)
      (c.checkInt (join mpath "minMemoryBytes") (m.minMemoryBytes or 0) 0 9223372036854775807)
      (c.checkBool (join mpath "virtualization") (m.virtualization or false))
      (c.checkInt (join mpath "minDisks") (m.minDisks or 0) 0 256)
      (c.checkLabels (join mpath "labels") (m.labels or { }))
      (require (r ? pool) (join path "pool") "is required")
      (checkPoolRef path r)
      (checkClassRef path r)
      (c.checkString (join path "profile") (r.profile or ""))
      (c.checkLabels (join path "labels") (r.labels or { }))
      (c.checkBool (join path "autoInstall") (r.autoInstall or false))
    ] {
      inherit name;
      priority = r.priority or 0;
      match = opt "machineId" "machine_id"
        // c.optionalAttrs ((m.macs or [ ]) != [ ]) { macs = map c.lowerMac m.macs; }
        // c.optionalAttrs ((m.bmcMacs or [ ]) != [ ]) { bmc_macs = map c.lowerMac m.bmcMacs; }
        // c.optionalAttrs (dmi != { }) { inherit dmi; }
        // opt "minCores" "min_cores" // opt "minMemoryBytes" "min_memory_bytes"
        // opt "virtualization" "virtualization" // opt "minDisks" "min_disks"
        // opt "labels" "labels";
      class = r.class or "";
      pool = r.pool;
      profile = r.profile or "";
      labels = r.labels or { };
      auto_install = r.autoInstall or false;
    };

  settings =
    let
      s = d.settings or { };
      path = "settings";
      week = 7 * 24 * 3600;
      get = key: lo: default: c.checkInt (join path key) (s.${key} or default) lo week
        && true;
    in
    ensure [
      (c.checkAttrs path s)
      (c.checkKnown path s [ "commissionDeadlineSec" "installDeadlineSec" "drainDeadlineSec" "nodeTtlSec" ])
      (get "commissionDeadlineSec" 10 1800)
      (get "installDeadlineSec" 10 3600)
      (get "drainDeadlineSec" 1 1800)
      (get "nodeTtlSec" 1 60)
    ] {
      commission_deadline_s = s.commissionDeadlineSec or 1800;
      install_deadline_s = s.installDeadlineSec or 3600;
      drain_deadline_s = s.drainDeadlineSec or 1800;
      node_ttl_s = s.nodeTtlSec or 60;
    };

  # No two nodes share a machine-id or a MAC (the coordinator refuses the second at enrollment;
  # better to hear it at evaluation).
  identityChecks =
    let
      ids = builtins.concatMap (n: if n.decl ? machineId then [ { key = n.decl.machineId; path = "${n.path}.machineId"; } ] else [ ]) nodeList;
      macs = builtins.concatMap (n: forEachIndex (n.decl.macs or [ ]) (i: m: { key = c.lowerMac m; path = at "${n.path}.macs" i; })) nodeList;
      unique = what: xs:
        let dup = c.firstDuplicate (x: x.key) xs; in
        require (dup == null) (dup.second.path or "") "${what} ${dup.k or ""} is already used by ${dup.first.path or ""}";
    in [ (unique "machine-id" ids) (unique "MAC" macs) ];

  topChecks = [
    (c.checkAttrs "declaration" d)
    (c.checkKnown "" d [ "name" "settings" "classes" "pools" "nodes" "rules" "bgp" "services" "coreServices" "vips" ])
    (require (d ? name) "name" "is required")
    (c.checkName "name" d.name)
  ] ++ map (key: c.checkAttrs key (section key)) [ "classes" "pools" "nodes" "rules" "coreServices" ];

  services = import ./services.nix { inherit c ip d poolList nodeList classes pools; };
  bgp = import ./bgp.nix { inherit c ip d nodeList; };

  classDocs = forEach classes classDoc;
  ruleDocs = forEach rules ruleDoc ++ map nodeRule (builtins.filter (n: n.identified) nodeList);
in
ensure (topChecks ++ classDocs ++ map (p: p.doc) poolList ++ poolOverlaps ++ map (n: n.doc) nodeList
  ++ identityChecks ++ services.checks)
{
  inherit (d) name;
  inherit settings;
  classes = classDocs;
  pools = map (p: p.doc) poolList;
  rules = ruleDocs;
  nodes = map (n: n.doc) nodeList;
  services = services.services;
  core_services = services.coreServices;
  vips = services.vips;
} // c.optionalAttrs (d ? bgp) { bgp = bgp; }
