"""What a hostile bootstrap server or a careless operator hands the device side: answers that are not
RFC 8572 output, conveyed information that is no CMS, oversized or broken trees, a CP document nested
without end, random bytes to every new decoder — typed errors with their exit codes, never a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardboot.device.cms_verify import VerificationError
from cardboot.device.sztp import process_output
from cardboot.device.tree import from_json
from cardboot.errors import CardbootError, DecodeError
from tests.helpers import cli


@pytest.mark.parametrize("body", [b"", b"{}", b"[1]", b'{"ietf-sztp-bootstrap-server:output": {}}',
                                  json.dumps({"ietf-sztp-bootstrap-server:output": {"conveyed-information": "@@"}}).encode(),
                                  json.dumps({"ietf-sztp-bootstrap-server:output": {
                                      "conveyed-information": "MAA=", "owner-certificate": "MAA="}}).encode()])
def test_broken_sztp_answers_are_refused(body):
    with pytest.raises(VerificationError):
        process_output(body, url="https://x", trusted=True, serial="SN1", anchors=[], nonce=None)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_conveyed_information(data):
    import base64

    body = json.dumps({"ietf-sztp-bootstrap-server:output": {
        "conveyed-information": base64.b64encode(data).decode()}}).encode()
    try:
        process_output(body, url="https://x", trusted=True, serial="SN1", anchors=[], nonce=None)
    except CardbootError:
        pass


@pytest.mark.parametrize("tree, reason", [([], "must be a JSON object"), ({"children": {"a/b": {}}}, "one segment"),
                                          ({"value": 5}, "value must be text"), ({"children": []}, "children")])
def test_bad_trees(tree, reason):
    with pytest.raises(DecodeError, match=reason):
        from_json(tree)


def test_cli_errors_are_one_line(tmp_path):
    bad_tree = tmp_path / "t.json"
    bad_tree.write_text("{not json")
    m = tmp_path / "m.wbxml"
    assert cli("message", "build", "--vars", "profiles/vars/example.toml", "--out", str(m)).returncode == 0
    r = cli("message", "apply", str(m), "--tree", str(bad_tree))
    assert r.returncode == 5 and "Traceback" not in r.stderr
    deep = tmp_path / "deep.xml"
    deep.write_text("<wap-provisioningdoc>" + '<characteristic type="X">' * 5001 + "</characteristic>" * 5001
                    + "</wap-provisioningdoc>")
    r = cli("message", "convert", "--from", "cp", str(deep), "--out", str(tmp_path / "o"))
    assert r.returncode == 5 and "Traceback" not in r.stderr
    r = cli("device", "fetch", "--url", "http://example.com/")
    assert r.returncode == 2 and "https:// only" in r.stderr
