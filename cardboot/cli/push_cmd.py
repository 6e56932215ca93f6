"""``cardboot push build`` / ``push verify``: the bootstrap pushed by SMS (see cardboot.push.delivery)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ExitCode, UsageError
from ..infile import read_bounded
from ..outfile import write_private
from ..provision.prepare import prepare_message
from ..push import sec as secm
from ..push.delivery import build_push, verify_push
from ..push.pcap import pcap
from ..push.wsp import CP_WBXML
from .cardopts import secret_option
from .commands import TOP_HELP

MAX_SMS_FILE = 1 << 20


def _secret_args(p) -> None:
    p.add_argument("--imsi", help="the device's IMSI (NETWPIN / USERNETWPIN key)")
    p.add_argument("--imsi-ascii", action="store_true", help="key with the IMSI as ASCII digits (some servers "
                                                             "do; not what the standard's semi-octets say)")
    p.add_argument("--pin-env", metavar="VAR", help="environment variable holding the user PIN")
    p.add_argument("--pin-file", metavar="FILE")
    p.add_argument("--pin-prompt", action="store_true")


def add_parsers(sub) -> None:
    p = sub.add_parser("push", help=TOP_HELP["push"])
    psub = p.add_subparsers(dest="push_command", required=True)
    b = psub.add_parser("build", help="WSP push with SEC/MAC around a bootstrap message, split into SMS")
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--message", help="a bootstrap message (WBXML or XML)")
    src.add_argument("--template", help="a bootstrap template; needs --vars")
    src.add_argument("--cp", metavar="FILE", help="a Client Provisioning document (WBXML or XML) instead: pushed as "
                                                  "application/vnd.wap.connectivity-wbxml (OMA ProvBoot)")
    b.add_argument("--vars")
    _secret_args(b)
    b.add_argument("--sec", default=None, help="NETWPIN (with --imsi), USERPIN, USERNETWPIN (both) or USERPINMAC "
                                                "(default: NETWPIN with --imsi only, USERPIN with a PIN only, "
                                                "USERNETWPIN with both)")
    b.add_argument("--to", default="+491720000001", help="destination number of the SMS-SUBMIT TPDUs")
    b.add_argument("--out", required=True, help="folder for the output files")
    b.add_argument("--format", choices=["sms", "wsp", "pcap"], default="sms")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=run_build)

    v = psub.add_parser("verify", help="reassemble SMS, check the MAC, decode and validate the bootstrap")
    v.add_argument("files", nargs="+", metavar="FILE", help="files of hex TPDUs, one per line (any order)")
    _secret_args(v)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_verify)


def _cp_body(path: str) -> bytes:
    """A CP document as the WBXML a push carries (XML is encoded; WBXML is checked and sent as it is)."""
    from ..cp import wbxml as cpwbxml
    from ..errors import MessageError

    data = read_bounded(path, what="CP document", limit=MAX_SMS_FILE)
    doc = cpwbxml.load_cp(data, path)
    if doc is None:
        raise MessageError(f"{path}: not a Client Provisioning document (WBXML public id 0x0B or XML "
                           "wap-provisioningdoc)")
    return data if cpwbxml.looks_like_cp(data) else cpwbxml.encode(doc)


def run_build(args) -> int:
    pin = secret_option(args, "pin")
    method = secm.choose_method(args.sec, args.imsi, pin)
    if args.cp:
        body = _cp_body(args.cp)
        built = build_push(body, method, imsi=args.imsi, pin=pin, imsi_ascii=args.imsi_ascii, destination=args.to,
                           content_type=CP_WBXML)
    else:
        message = prepare_message(message_file=args.message, template=args.template, variables=args.vars)
        body = message.refuse_if_invalid("refusing to push an invalid message").wbxml
        built = build_push(body, method, imsi=args.imsi, pin=pin, imsi_ascii=args.imsi_ascii, destination=args.to)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if args.format == "sms":
        for name, tpdus in (("deliver.hex", built.deliver), ("submit.hex", built.submit)):
            write_private(out / name, "".join(t.hex().upper() + "\n" for t in tpdus), what="SMS TPDUs")
            written.append(str(out / name))
    elif args.format == "wsp":
        write_private(out / "push.wsp", built.pdu, what="WSP push PDU")
        written.append(str(out / "push.wsp"))
    else:
        write_private(out / "push.pcap", pcap([built.pdu]), what="push capture")
        written.append(str(out / "push.pcap"))
    info = {"status": "built", "sec": secm.METHODS[method], "mac": built.mac, "message_bytes": len(body),
            "pdu_bytes": len(built.pdu), "sms": len(built.deliver), "files": written, "notes": built.notes}
    if built.mac_digits is not None:
        info["user_enters"] = f"the PIN, then {built.mac_digits}"
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"push built: {len(body)}-byte {'CP document' if args.cp else 'message'}, {secm.METHODS[method]}, MAC {built.mac}, "
              f"{len(built.pdu)}-byte WSP PDU in {len(built.deliver)} SMS -> {', '.join(written)}")
        if built.mac_digits is not None:
            print(f"the user enters the PIN followed by {built.mac_digits}")
        for note in built.notes:
            print(f"note: {note}")
    return 0


def _tpdus(paths: list[str]) -> list[tuple[str, bytes]]:
    out = []
    for path in paths:
        text = read_bounded(path, what="SMS file", limit=MAX_SMS_FILE).decode("ascii", "replace")
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip().replace(" ", "")
            if not line or line.startswith("#"):
                continue
            try:
                out.append((f"{path}:{n}", bytes.fromhex(line)))
            except ValueError:
                raise UsageError(f"{path}:{n}: not a hex TPDU") from None
    return out


def run_verify(args) -> int:
    pin = secret_option(args, "pin")
    result = verify_push(_tpdus(args.files), imsi=args.imsi, pin=pin, imsi_ascii=args.imsi_ascii)
    info = {"status": "verified", "sec": result.method, "segments": result.segments,
            "duplicates": result.duplicates, "content_type": result.push.content_type_name,
            "message_bytes": result.message_bytes, "findings": [str(f) for f in result.findings]}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"MAC holds ({result.method}): {result.segments} SMS"
              + (f" (duplicates of {', '.join(map(str, result.duplicates))} ignored)" if result.duplicates else "")
              + f", {result.message_bytes}-byte {result.push.content_type_name}"
              + ("" if result.findings else ", valid"))
        for f in result.findings:
            print(f"  {f}")
    return ExitCode.VALIDATION if result.findings else 0
