"""``cardboot inspect``: ATR, ICCID, EF.DIR applications, the decoded PKCS#15 objects and where the
bootstrap message is."""

from __future__ import annotations

import json

from ..card.atr import describe_atr
from ..card.path import path_str
from ..provision.inspect import CardReport, ContentStatus, inspect_card
from ..pkcs15.aodf import RawAuthObject
from .cardopts import add_card_options, add_secret_options, open_card, secret_flags, secrets_from
from .commands import TOP_HELP

FAMILY_TEXT = {"uicc": "UICC (ETSI TS 102 221)", "sim": "SIM (3GPP TS 51.011)"}


def add_parser(sub) -> None:
    p = sub.add_parser("inspect", help=TOP_HELP["inspect"])
    add_card_options(p)
    add_secret_options(p)
    p.set_defaults(func=run)


def _flags(obj) -> str:
    set_ = [n for n, v in (("private", obj.private), ("modifiable", obj.modifiable)) if v]
    return ",".join(set_) or "public"


def render(report: CardReport) -> str:
    lines = [
        f"Card        {FAMILY_TEXT.get(report.family, report.family)} on {report.reader}, {report.protocol}",
        f"ATR         {report.atr.hex(' ').upper()} ({describe_atr(report.atr)})",
        f"ICCID       {report.iccid or '(no EF.ICCID)'}",
        f"EF.DIR      {len(report.applications)} application(s)",
    ]
    for a in report.applications:
        label = f'  "{a.label}"' if a.label else ""
        path = f"  path {path_str(a.path)}" if a.path else ""
        lines.append(f"  #{a.record} {a.kind:<11} {a.aid.hex().upper()}{label}{path}")
    if report.pkcs15 is None:
        lines.append("PKCS#15     not found")
    else:
        lines.append(f"PKCS#15     {report.pkcs15_access}")
        for f in report.pkcs15_files:
            lines.append(f"  {f.role:<13} {path_str(f.path):<15} {f.describe()}")
        lines.append("ODF         " + ", ".join(f"{e.kind} -> {e.path}" for e in report.odf))
        if report.tokeninfo is not None:
            t = report.tokeninfo
            lines.append(f"TokenInfo   v{t.version + 1} serial {t.serial.hex().upper()} "
                         f"manufacturer {t.manufacturer!r} label {t.label!r} flags {sorted(t.flags) or '-'}")
        for p in report.aodf:
            if isinstance(p, RawAuthObject):
                lines.append(f"AODF        (other authentication object, {len(p.raw)} bytes)")
            else:
                lines.append(f"AODF        PIN {p.label!r} authId {p.auth_id.hex().upper()} reference "
                             f"{p.reference:02X} {p.pin_type} {p.min_length}..{p.max_length} "
                             f"flags {','.join(sorted(p.flags)) or '-'}")
        for d in report.dodf:
            auth = f" authId {d.auth_id.hex().upper()}" if d.auth_id else ""
            known = f" [{d.known_as}]" if d.known_as else ""
            oid = f" oid {d.oid}" if d.oid else ""
            lines.append(f"DODF        {d.form}DO {d.label!r} application {d.application_name!r}{oid}{known} "
                         f"-> {d.path} ({_flags(d)}{auth})")
            if d.variants:
                lines.append(f"              field encoding accepted: {', '.join(d.variants)}")
    if report.bootstrap is not None:
        b = report.bootstrap
        lines.append(f"Bootstrap   {path_str(b.path)}, {b.size} bytes, {b.read_rule}")
        steps = ", ".join(f"{k} {v}" for k, v in report.lookup_apdus.items())
        lines.append(f"  lookup    {sum(report.lookup_apdus.values())} APDUs ({steps})")
    c = report.content
    if c is not None:
        if c.status is ContentStatus.MESSAGE:
            verdict = "valid" if c.valid else "INVALID: " + "; ".join(c.findings)
            lines.append(f"Content     {c.carrier} message, WBXML {c.wbxml_version}, {c.size} bytes, "
                         f"server {c.source}, {verdict}")
        elif c.status is ContentStatus.EMPTY:
            lines.append("Content     empty (all FF, D.4.3)")
        else:
            hint = f" (give {secret_flags(c.needs_adm)})" if c.needs is not None else ""
            lines.append(f"Content     {c.status.value}: {c.reason}{hint}")
    for w in report.warnings:
        lines.append(f"Warning     {w}")
    for e in report.errors:
        lines.append(f"Problem     {e}")
    lines.append(f"APDUs       {report.apdus}")
    return "\n".join(lines)


def run(args) -> int:
    with open_card(args) as ctx:
        report = inspect_card(ctx.card, reader=ctx.source, protocol=ctx.transport.protocol,
                              secrets=secrets_from(args))
    print(json.dumps(report.as_dict(), indent=2) if args.json else render(report))
    return 0
