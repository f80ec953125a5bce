# Checks shared by the cluster library. Every failure throws one message that starts with the
# attribute path in the declaration, so the operator knows where to look:
#   photon cluster: pools.web.range.end: comes before range.start
# The rules mirror common/validate.cpp, so that a declaration that evaluates is one the
# coordinator accepts.
rec {
  fail = path: message: throw "photon cluster: ${path}: ${message}";

  # Runs the checks in order (the first failure wins), then yields `value`.
  ensure = checks: value: builtins.foldl' (acc: c: builtins.seq c acc) value checks;
  # `cond` or a failure naming `path`.
  require = cond: path: message: if cond then true else fail path message;

  # Keys that are not plain Nix identifiers are quoted, as they would be written: labels."a/b".
  quoteKey = key: if builtins.match "[a-zA-Z_][a-zA-Z0-9_'-]*" key != null then key else builtins.toJSON key;
  join = path: key: if path == "" then quoteKey key else "${path}.${quoteKey key}";
  at = path: i: "${path}[${toString i}]";

  namePattern = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
  isName = s: builtins.isString s && builtins.match namePattern s != null;
  checkName = path: s:
    require (isName s) path "must be 1-63 characters of [a-z0-9-], not starting or ending with '-' (got ${builtins.toJSON s})";

  isHostname = s: builtins.isString s && builtins.stringLength s <= 253
    && builtins.match "${namePattern}(\\.${namePattern})*" s != null;
  isLabelKey = k: builtins.match "${namePattern}(\\.${namePattern})*/${namePattern}" k != null
    || isName k;
  isLabelValue = v: builtins.isString v && builtins.match "[A-Za-z0-9._-]{0,63}" v != null;
  isMachineId = s: builtins.isString s && builtins.match "[0-9a-f]{32}" s != null;
  isMac = s: builtins.isString s && builtins.match "([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}" s != null;
  lowerMac = s: builtins.replaceStrings
    [ "A" "B" "C" "D" "E" "F" ] [ "a" "b" "c" "d" "e" "f" ] s;

  checkType = pred: what: path: v: require (pred v) path "must be ${what} (got ${typeOf v})";
  typeOf = v: builtins.typeOf v;
  checkAttrs = checkType builtins.isAttrs "an attribute set";
  checkString = checkType builtins.isString "a string";
  checkBool = checkType builtins.isBool "a boolean";
  checkList = checkType builtins.isList "a list";
  checkInt = path: v: lo: hi:
    ensure [ (checkType builtins.isInt "an integer" path v) ]
      (require (v >= lo && v <= hi) path "must be between ${toString lo} and ${toString hi} (got ${toString v})");

  # A typo in an attribute name would otherwise be silently ignored.
  checkKnown = path: attrs: known:
    let unknown = builtins.filter (k: !(builtins.elem k known)) (builtins.attrNames attrs);
    in require (unknown == [ ]) (join path (builtins.head unknown))
      "unknown attribute (known: ${builtins.concatStringsSep ", " known})";

  checkLabels = path: labels:
    ensure ([ (checkAttrs path labels) ]
      ++ map (k: ensure [ (require (isLabelKey k) (join path k) "is not a label key ([a-z0-9-] name, optionally prefixed \"domain/\")") ]
        (require (isLabelValue labels.${k}) (join path k) "label value must be up to 63 characters of [A-Za-z0-9._-]"))
        (builtins.attrNames labels))
      true;

  # The first key that occurs twice in `xs` (by `key`) as { k; first; second; }, or null.
  # groupBy keeps this linear: a 1,000-node declaration checks its addresses in one pass.
  firstDuplicate = key: xs:
    let
      groups = builtins.groupBy key xs;
      dups = builtins.filter (k: builtins.length groups.${k} > 1) (map key xs);
    in
    if dups == [ ] then null
    else let k = builtins.head dups; in
      { inherit k; first = builtins.elemAt groups.${k} 0; second = builtins.elemAt groups.${k} 1; };

  # Attrset -> list of { name; value; } in name order (Nix sorts attribute names).
  toNamedList = attrs: map (name: { inherit name; value = attrs.${name}; }) (builtins.attrNames attrs);
  optionalAttrs = cond: attrs: if cond then attrs else { };
}
