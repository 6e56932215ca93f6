"""The Client Provisioning profile (OMA DM Bootstrap 5.4, Appendix C; w7 -> DMAcc per DM StdObj Appendix C):
a real-world-shaped CP document (w7 + NAPDEF + PROXY) becomes a bootstrap whose DMAcc matches the table
field by field, with the 5.4.4 ACL on every mapped object, numeric dynamic names (5.4.2) and the
connectivity references pointing at the ConnMO objects; the message validates; documents the profile
cannot map are refused with the reason; and the way back gives the CP document again."""

from __future__ import annotations

import pytest

from cardboot.bootstrap.io import load_message_bytes
from cardboot.bootstrap.validate import message_objects, validate_message
from cardboot.cp.document import Characteristic, CpDocument, from_xml
from cardboot.cp.mapping import CpProfileError, bootstrap_to_cp, cp_to_bootstrap
from cardboot.provision.prepare import from_bootstrap

DOC = from_xml(open("tests/data/cp/w7-napdef-proxy.xml", "rb").read())
SID = "com.example.dm"
ACL = f"Get={SID}&Replace={SID}&Delete={SID}"


def _value(node, path):
    for part in path.split("/"):
        node = node.child(part)
        assert node is not None, path
    return node.value


def test_w7_maps_to_dmacc_field_by_field():
    converted = cp_to_bootstrap(DOC)
    dmacc, nap, proxy = (o.root for o in converted.bootstrap.objects)
    table = {  # DMAcc node <- CP parameter (push-and-cp.md, Bootstrap Appendix C)
        "AppID": "w7",                                  # APPID
        "ServerID": SID,                                # PROVIDER-ID
        "Name": "Example DM server",                    # NAME
        "PrefConRef": "./Inbox/2",                      # TO-NAPID -> the ConnMO made from the NAPDEF
        "AppAddr/1/Addr": "https://dm.example.com/dm",  # APPADDR/ADDR
        "AppAddr/1/AddrType": "URI",                    # APPADDR/ADDRTYPE
        "AppAddr/1/Port/1/PortNbr": "443",              # APPADDR/PORT/PORTNBR
        "AppAuth/1/AAuthLevel": "CLCRED",               # APPAUTH/AAUTHLEVEL APPSRV
        "AppAuth/1/AAuthType": "HTTP-DIGEST",
        "AppAuth/1/AAuthName": "device-0001",
        "AppAuth/1/AAuthSecret": "cliS3cret",
        "AppAuth/1/AAuthData": "MTIzNDU2",
        "AppAuth/2/AAuthLevel": "SRVCRED",              # APPAUTH/AAUTHLEVEL CLIENT
        "AppAuth/2/AAuthName": SID,
        "AppAuth/2/AAuthSecret": "srvS3cret",
    }
    for path, value in table.items():
        assert _value(dmacc, path) == value, path
    assert dmacc.name == "1" and dmacc.ddf_name == "org.openmobilealliance/1.0/w7"
    assert dmacc.child("AppAuth").child("1").child("AAuthSecret").secret
    assert [o.root.acl for o in converted.bootstrap.objects] == [ACL, ACL, ACL]  # 5.4.4, on every object
    assert (_value(nap, "ID"), _value(nap, "NAP/BearerType"), _value(nap, "NAP/Addr"), _value(nap, "NAP/AddrType")) \
        == ("INTERNET_GPRS", "GSM-GPRS", "internet.example.com", "APN")
    assert _value(nap, "NAP/AuthInfo/AuthSecret") == "napS3cret"
    assert (_value(proxy, "ID"), _value(proxy, "PX/Addr"), _value(proxy, "PX/Port/1/PortNbr"),
            _value(proxy, "PX/ToConRef/1/ConRef")) == ("PROXY1", "10.0.0.10", "8080", "./Inbox/2")
    assert any("INIT" in n for n in converted.notes)


@pytest.mark.parametrize("carrier", ["tnds-wbxml", "tnds-xml", "plain"])
def test_the_converted_message_is_a_valid_bootstrap(carrier):
    prepared = from_bootstrap(cp_to_bootstrap(DOC).bootstrap, carrier=carrier)
    assert prepared.findings == []
    again = load_message_bytes(prepared.wbxml)
    assert validate_message(again.message, encoded=prepared.wbxml) == []


def test_documents_the_profile_refuses():
    no_w7 = CpDocument("1.1", [c for c in DOC.characteristics if c.type != "APPLICATION"])
    with pytest.raises(CpProfileError, match="no w7 APPLICATION.*5.4.4"):
        cp_to_bootstrap(no_w7)
    two = CpDocument("1.1", DOC.characteristics + [DOC.of_type("APPLICATION")[0]])
    with pytest.raises(CpProfileError, match="2 w7 APPLICATION"):
        cp_to_bootstrap(two)
    dangling = CpDocument("1.1", [Characteristic("APPLICATION", [("APPID", "w7"), ("PROVIDER-ID", "x"),
                                                                 ("ADDR", "https://a/"), ("TO-NAPID", "nowhere")])])
    with pytest.raises(CpProfileError, match="'nowhere' names no NAPDEF"):
        cp_to_bootstrap(dangling)
    no_addr = CpDocument("1.1", [Characteristic("APPLICATION", [("APPID", "w7"), ("PROVIDER-ID", "x")])])
    with pytest.raises(CpProfileError, match="no ADDR or APPADDR"):
        cp_to_bootstrap(no_addr)


def test_the_way_back():
    prepared = from_bootstrap(cp_to_bootstrap(DOC).bootstrap)
    loaded = load_message_bytes(prepared.wbxml)
    back = bootstrap_to_cp([(loc, node) for loc, node, _ in message_objects(loaded.message)])
    app = back.of_type("APPLICATION")[0]
    orig = DOC.of_type("APPLICATION")[0]
    assert [(n, v) for n, v in app.parms] == [(n, v) for n, v in orig.parms if n != "INIT"]
    assert [a.parms for a in app.sub("APPAUTH")] == [a.parms for a in orig.sub("APPAUTH")]
    assert back.of_type("NAPDEF")[0].parms == DOC.of_type("NAPDEF")[0].parms
    phys = back.of_type("PXLOGICAL")[0].sub("PXPHYSICAL")[0]
    assert ("TO-NAPID", "INTERNET_GPRS") in phys.parms and phys.sub("PORT")[0].parm("PORTNBR") == "8080"
