"""The names RFC 8572 (SZTP) and RFC 8366 (vouchers) give, in one place for the bootstrap server and the
device: CMS content types (RFC 8572 3.1 / RFC 8366 8.3) and the YANG modules' names and namespaces."""

ID_CT_VOUCHER_JSON = "1.2.840.113549.1.9.16.1.40"  # id-ct-animaJSONVoucher (RFC 8366)
ID_CT_SZTP_XML = "1.2.840.113549.1.9.16.1.42"  # id-ct-sztpConveyedInfoXML (RFC 8572 3.1)
ID_CT_SZTP_JSON = "1.2.840.113549.1.9.16.1.43"  # id-ct-sztpConveyedInfoJSON

SERVER_MODULE = "ietf-sztp-bootstrap-server"
NS_SERVER = "urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"
CONVEYED_MODULE = "ietf-sztp-conveyed-info"
NS_CONVEYED = "urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info"
