"""WBXML token tables for SyncML 1.1 / 1.2 (code page 0), MetInf (page 1) and OMA DM DDF 1.2 / TNDS
(page 2).

Sources: SyncML RepPro 1.2 and MetInf 1.2 WBXML code page tables; OMA-TS-DM_TND-V1_2_1 section 8.6 (DM DDF
1.2, public identifier "-//OMA//DTD-DM-DDF 1.2//EN", no numeric public id: it is given through the string
table); cross-checked token by token against libwbxml 0.11.8 ``src/wbxml_tables.c``
(sv_syncml_syncml12_tag_table, sv_syncml_metinf12_tag_table, sv_syncml_dmddf12_tag_table and the 1.1
tables) — see ../shared/reference/wbxml-tokens.md. SyncML 1.1 has tokens 0x05-0x34 of the same table
(0x35-0x3C came with 1.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_SYNCML12_TAGS = [
    "Add", "Alert", "Archive", "Atomic", "Chal", "Cmd", "CmdID", "CmdRef", "Copy", "Cred", "Data", "Delete",
    "Exec", "Final", "Get", "Item", "Lang", "LocName", "LocURI", "Map", "MapItem", "Meta", "MsgID", "MsgRef",
    "NoResp", "NoResults", "Put", "Replace", "RespURI", "Results", "Search", "Sequence", "SessionID", "SftDel",
    "Source", "SourceRef", "Status", "Sync", "SyncBody", "SyncHdr", "SyncML", "Target", "TargetRef", None,
    "VerDTD", "VerProto", "NumberOfChanges", "MoreData", "Field", "Filter", "Record", "FilterType",
    "SourceParent", "TargetParent", "Move", "Correlator",
]  # 0x05 .. 0x3C (0x30 reserved)

_METINF_TAGS = [
    "Anchor", "EMI", "Format", "FreeID", "FreeMem", "Last", "Mark", "MaxMsgSize", "Mem", "MetInf", "Next",
    "NextNonce", "SharedMem", "Size", "Type", "Version", "MaxObjSize", "FieldLevel",
]  # 0x05 .. 0x16

_DMDDF12_TAGS = [
    "AccessType", "ACL", "Add", "b64", "bin", "bool", "chr", "CaseSense", "CIS", "Copy", "CS", "date", "DDFName",
    "DefaultValue", "Delete", "Description", "DFFormat", "DFProperties", "DFTitle", "DFType", "Dynamic", "Exec",
    "float", "Format", "Get", "int", "Man", "MgmtTree", "MIME", "Mod", "Name", "Node", "node", "NodeName", "null",
    "Occurrence", "One", "OneOrMore", "OneOrN", "Path", "Permanent", "Replace", "RTProperties", "Scope", "Size",
    "time", "Title", "TStamp", "Type", "Value", "VerDTD", "VerNo", "xml", "ZeroOrMore", "ZeroOrN", "ZeroOrOne",
]  # 0x05 .. 0x3C


def _table(names: list[str | None], first: int = 0x05) -> dict[int, str]:
    return {first + i: n for i, n in enumerate(names) if n is not None}


@dataclass(frozen=True)
class CodePage:
    number: int
    namespace: str
    tags: dict[int, str]
    tokens: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "tokens", {name: tok for tok, name in self.tags.items()})


@dataclass(frozen=True)
class Language:
    """A WBXML document type: its public identifier (numeric, or only the FPI string) and code pages."""

    name: str
    fpi: str
    public_id: int | None
    pages: tuple[CodePage, ...]
    root: str

    def page(self, number: int) -> CodePage | None:
        for p in self.pages:
            if p.number == number:
                return p
        return None

    def page_for(self, namespace: str) -> CodePage | None:
        for p in self.pages:
            if p.namespace == namespace:
                return p
        return None


NS_SYNCML12 = "SYNCML:SYNCML1.2"
NS_SYNCML11 = "SYNCML:SYNCML1.1"
NS_METINF = "syncml:metinf"
NS_DMDDF12 = "syncml:dmddf1.2"

SYNCML12_PAGE = CodePage(0, NS_SYNCML12, _table(_SYNCML12_TAGS))
SYNCML11_PAGE = CodePage(0, NS_SYNCML11, {t: n for t, n in _table(_SYNCML12_TAGS).items() if t <= 0x34})
METINF_PAGE = CodePage(1, NS_METINF, _table(_METINF_TAGS))
DMDDF12_PAGE = CodePage(2, NS_DMDDF12, _table(_DMDDF12_TAGS))

SYNCML12 = Language("SyncML 1.2", "-//SYNCML//DTD SyncML 1.2//EN", 0x1201,
                    (SYNCML12_PAGE, METINF_PAGE, DMDDF12_PAGE), "SyncML")
SYNCML11 = Language("SyncML 1.1", "-//SYNCML//DTD SyncML 1.1//EN", 0x0FD3, (SYNCML11_PAGE, METINF_PAGE), "SyncML")
METINF12 = Language("MetInf 1.2", "-//SYNCML//DTD MetInf 1.2//EN", 0x1202,
                    (SYNCML12_PAGE, METINF_PAGE, DMDDF12_PAGE), "MetInf")
# TNDS (application/vnd.syncml.dmtnds+wbxml): the DM DDF 1.2 DTD has no numeric public id; libwbxml and the
# DM TND spec put its FPI in the string table and use the SyncML 1.2 code pages (tags on page 2).
DMDDF12 = Language("DM DDF 1.2", "-//OMA//DTD-DM-DDF 1.2//EN", None, (SYNCML12_PAGE, METINF_PAGE, DMDDF12_PAGE),
                   "MgmtTree")

LANGUAGES = (SYNCML12, SYNCML11, METINF12, DMDDF12)
UNKNOWN_PUBLIC_ID = 0x01


def language_by_public_id(public_id: int) -> Language | None:
    return next((lang for lang in LANGUAGES if lang.public_id == public_id), None)


def language_by_fpi(fpi: str) -> Language | None:
    return next((lang for lang in LANGUAGES if lang.fpi == fpi), None)


def language_for_root(namespace: str, tag: str) -> Language | None:
    if tag == "SyncML" and namespace == NS_SYNCML11:
        return SYNCML11
    if tag == "SyncML":
        return SYNCML12
    if tag == "MgmtTree":
        return DMDDF12
    return None
