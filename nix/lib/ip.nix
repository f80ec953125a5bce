# IPv4 helpers in pure builtins: Nix has no address parsing, and the cluster library must
# evaluate without nixpkgs. Addresses are plain integers (0 .. 2^32-1) so that ranges compare
# and overlap with ordinary arithmetic.
let
  # Octets as inet_pton accepts them: no leading zeros, at most 255.
  octet = "(0|[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5])";
  ipv4Regex = "${octet}\\.${octet}\\.${octet}\\.${octet}";
  pow2 = n: if n == 0 then 1 else 2 * pow2 (n - 1);
in
rec {
  # "10.0.1.7" -> 167772423, or null when it does not parse.
  parseIpv4 = text:
    let m = if builtins.isString text then builtins.match ipv4Regex text else null;
    in if m == null then null
       else builtins.foldl' (acc: o: acc * 256 + builtins.fromJSON o) 0 m;

  isIpv4 = text: parseIpv4 text != null;

  formatIpv4 = n:
    let o = shift: toString (builtins.bitAnd (n / pow2 shift) 255);
    in "${o 24}.${o 16}.${o 8}.${o 0}";

  # "10.0.1.0/24" -> { network; prefixLength; first; last; }, or null. The address must be the
  # network address itself (no host bits), as the coordinator expects.
  parseCidr = text:
    let
      m = if builtins.isString text then builtins.match "([^/]+)/(0|[1-9][0-9]?)" text else null;
      address = if m == null then null else parseIpv4 (builtins.elemAt m 0);
      prefixLength = if m == null then 0 else builtins.fromJSON (builtins.elemAt m 1);
      size = pow2 (32 - prefixLength);
    in
    if address == null || prefixLength > 32 then null
    else if address - (address - (address / size) * size) != address then null
    else { network = address; inherit prefixLength; first = address; last = address + size - 1; };

  cidrContains = cidr: address: address >= cidr.first && address <= cidr.last;

  # A host route for a VIP: "10.0.100.1" or "10.0.100.1/32" -> "10.0.100.1/32", else null.
  hostRoute = text:
    let m = if builtins.isString text then builtins.match "([^/]+)(/32)?" text else null;
    in if m == null || parseIpv4 (builtins.elemAt m 0) == null then null
       else "${builtins.elemAt m 0}/32";

  # Loose IPv6 check (hex groups and colons, at most one "::"); enough to catch a typo in a
  # BGP neighbour, the agent's own parser has the last word.
  isIpv6 = text:
    builtins.isString text
    && builtins.match "[0-9a-fA-F:]+" text != null
    && builtins.match ".*:.*:.*" text != null
    && builtins.match ".*::.*::.*" text == null
    && builtins.match ".*:::.*" text == null;

  isIp = text: isIpv4 text || isIpv6 text;
}
