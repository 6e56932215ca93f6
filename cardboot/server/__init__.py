"""Serving bootstrap data over the network (OMA DM Bootstrap 5.5.7, RFC 8572) and its discovery data.

So far: the DHCP options and the DNS SRV record that point devices at a bootstrap server (this issue's
server itself is not built yet)."""
