"""The SMSC hand-off as a careless operator or a hostile template writer uses it (issue 32, items 1-2):
a URL template is filled by placeholder name only — no format specifications, no attributes — and a
template that cannot make a URL is a usage error that never prints the filled URL (it holds the gateway's
password); a hand-off command gets CB_SMS_* and PATH/LANG, never the PIN, ADM or URL variables."""

from __future__ import annotations

import sys

import pytest

from cardboot.errors import UsageError
from cardboot.push.smsc import fill_template
from tests.helpers import cli
from tests.server.test_push_smsc import IMSI, store  # noqa: F401 - the fixture

PASSWORD = "gw s3cret-PW"


@pytest.mark.parametrize("template", [
    "http://127.0.0.1:13013/cgi-bin/sendsms?username=u&password=gw s3cret-PW&to={to}",  # a space
    "http://127.0.0.1:abc/sendsms?password=gw%20s3cret-PW&to={to}",  # a port that is no number
    "http://127.0.0.1:99999/sendsms?password=gw%20s3cret-PW&to={to}",  # out of range
    "http://[::1/sendsms?password=gw%20s3cret-PW&to={to}",  # a broken IPv6 literal
    "http://127.0.0.1:13013/sendsms?password=gw%20s3cret-PW&to={to:>99999999999}",  # a format spec
    "http://127.0.0.1:13013/sendsms?password=gw%20s3cret-PW&to={to.__class__}",  # an attribute
    "http://127.0.0.1:13013/sendsms?password=gw%20s3cret-PW&to={0}",  # positional
    "http://127.0.0.1:13013/sendsms?password=gw%20s3cret-PW&to={to",  # a lone brace
    "http://127.0.0.1:13013/sendsms?password=gw%20s3cret-PW\r\nX: y&to={to}",  # a control character
])
def test_a_template_that_makes_no_url_is_a_usage_error_that_hides_the_password(store, template):  # noqa: F811
    r = cli("server", "push", "--db", store, "--serial", "SN-1", "--to", "+4917", "--imsi", IMSI,
            "--smsc-url-env", "CB_SMSC", env={"CB_SMSC": template}, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "s3cret" not in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_placeholders_by_name_and_doubled_braces():
    values = {"to": "%2B4917", "seq": "1"}
    assert fill_template("http://h/x?to={to}&n={seq}&j={{json}}", values) == "http://h/x?to=%2B4917&n=1&j={json}"
    with pytest.raises(UsageError, match="placeholders are"):
        fill_template("http://h/{to!r}", values)


def test_the_command_gets_no_secret_of_the_caller(store, tmp_path):  # noqa: F811
    sink = tmp_path / "env.txt"
    hook = tmp_path / "hook.py"
    hook.write_text(f"import os\nopen({str(sink)!r}, 'a').write(repr(sorted(os.environ)) + '\\n')\n")
    r = cli("server", "push", "--db", store, "--serial", "SN-1", "--to", "+4917", "--sec", "USERPIN",
            "--pin-env", "UP", "--smsc-command", f"{sys.executable} {hook}",
            env={"UP": "2468", "CB_ADM": "88888888", "CB_SMSC": "http://u:p@h/"})
    assert r.returncode == 0, r.stderr
    seen = eval(sink.read_text().splitlines()[0])  # noqa: S307 - our own hook's repr of a list of names
    assert {"CB_SMS_TO", "CB_SMS_TPDU_HEX", "CB_SMS_SEQ", "CB_SMS_TOTAL", "PATH"} <= set(seen)
    assert not {"UP", "CB_ADM", "CB_SMSC"} & set(seen)
    assert all(name.startswith("CB_SMS_") or name in ("PATH", "LANG", "LC_ALL", "LC_CTYPE") for name in seen)
