# The least a cluster needs: a name, one pool and one rule that puts every machine in it.
{
  name = "tiny";
  pools.default = {
    cidr = "192.168.50.0/24";
    range = { start = "192.168.50.100"; end = "192.168.50.200"; };
  };
  rules.everything.pool = "default";
}
