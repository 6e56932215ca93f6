"""Access rules as data: which key (PIN, ADM) an operation on a file needs.

One model for every way a card states it:

- UICC compact format, FCP tag ``8C`` (TS 102 221 9.2.3, ISO/IEC 7816-4 table 17/20): an AM byte, then
  one SC byte per set bit from b7 to b1. ``00`` always, ``FF`` never, anything else names a security
  condition whose key is implicit (kept as :class:`Unknown`).
- UICC expanded format, FCP tag ``AB`` and every EF.ARR record (TS 102 221 9.2.4 / 9.2.7, ISO/IEC
  7816-4:2013 table 33): pairs of an AM_DO (``80`` access-mode byte, or ``81``..``8F`` a command header)
  and one or more SC_DOs. ``90 00`` always, ``97 00`` never, ``A4`` a control reference template whose
  ``83`` is the key reference, ``A0`` OR, ``AF`` AND, ``A7`` NOT; several SC_DOs after one AM_DO are an
  OR (TS 102 221 9.2.4). Anything else is kept raw as :class:`Unknown`, never guessed.
- UICC referenced format, FCP tag ``8B`` (TS 102 221 9.2.5): EF.ARR FID + record number, or EF.ARR FID
  + (SE ID, record number) pairs; :class:`ArrReference` says which record, the card layer reads it.
- SIM access nibbles (TS 51.011 9.3): 0 ALW, 1 CHV1, 2 CHV2, 3 RFU, 4..E ADM, F NEV.

Text for people ("read ALW, update ADM1", "(PIN1 or ADM1)") comes from ``str()``; provisioning uses the
structure (:func:`keys_to_present`), never the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from .. import tlv
from ..errors import TlvError

_WHAT = "access rule"

# ISO/IEC 7816-4 table 17 (EF) / table 16 (DF): access mode byte, b7..b1
EF_OPERATIONS = ("delete", "terminate", "activate", "deactivate", "write", "update", "read")
DF_OPERATIONS = ("delete", "terminate", "activate", "deactivate", "create-df", "create-ef", "delete-child")

# Key references, TS 102 221 9.5.1 table 9.3
_KEY_NAMES = {0x11: "PIN-UNIVERSAL"}
_KEY_NAMES.update({n: f"PIN{n}" for n in range(0x01, 0x09)})
_KEY_NAMES.update({0x0A + i: f"ADM{1 + i}" for i in range(5)})
_KEY_NAMES.update({0x81 + i: f"PIN2-APPL{1 + i}" for i in range(8)})
_KEY_NAMES.update({0x8A + i: f"ADM{6 + i}" for i in range(5)})


def key_ref_name(ref: int) -> str:
    """Name of a UICC key reference: 01 → PIN1, 0A → ADM1, 81 → PIN2-APPL1, 11 → PIN-UNIVERSAL."""
    return _KEY_NAMES.get(ref, f"KEY{ref:02X}")


def is_adm_ref(ref: int) -> bool:
    """TS 102 221 table 9.3: 0A-0E ADM1-5, 8A-8E ADM6-10."""
    return 0x0A <= ref <= 0x0E or 0x8A <= ref <= 0x8E


# --- the rule tree ------------------------------------------------------------------------------------


class Rule:
    """A security condition. Subclasses are small frozen dataclasses."""

    def keys(self) -> Iterator["Key"]:
        """Every key the rule mentions."""
        return iter(())

    def as_json(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(frozen=True)
class Always(Rule):
    def __str__(self) -> str:
        return "ALW"

    def as_json(self):
        return "always"


@dataclass(frozen=True)
class Never(Rule):
    def __str__(self) -> str:
        return "NEV"

    def as_json(self):
        return "never"


@dataclass(frozen=True)
class Key(Rule):
    """Verification of one key: ``ref`` is the VERIFY P2; ``adm`` says whether it is an administrative
    key (given with --adm-*) or a PIN / CHV (given with --pin-*)."""

    ref: int
    adm: bool
    name: str
    #: a SIM access condition (TS 51.011 9.3): its ADM levels 4..E are the operator's to allocate, so the
    #: ADM value given is the one for the level a file names
    sim: bool = field(default=False, compare=False)

    @classmethod
    def uicc(cls, ref: int) -> "Key":
        return cls(ref, is_adm_ref(ref), key_ref_name(ref))

    def keys(self) -> Iterator["Key"]:
        yield self

    def __str__(self) -> str:
        return self.name

    def as_json(self):
        return {"key": self.name, "reference": self.ref, "adm": self.adm}


@dataclass(frozen=True)
class _Combination(Rule):
    """Rules joined by one connective; the subclass names it for text and for JSON."""

    rules: tuple[Rule, ...]
    # the subclass's connective: _WORD for text, _JSON for JSON (class attributes, not fields)

    def keys(self) -> Iterator[Key]:
        for r in self.rules:
            yield from r.keys()

    def __str__(self) -> str:
        return "(" + f" {self._WORD} ".join(map(str, self.rules)) + ")"

    def as_json(self):
        return {self._JSON: [r.as_json() for r in self.rules]}


@dataclass(frozen=True)
class AnyOf(_Combination):
    _WORD = "or"
    _JSON = "any_of"


@dataclass(frozen=True)
class AllOf(_Combination):
    _WORD = "and"
    _JSON = "all_of"


@dataclass(frozen=True)
class Not(Rule):
    rule: Rule

    def __str__(self) -> str:
        return f"not {self.rule}"

    def as_json(self):
        return {"not": self.rule.as_json()}


@dataclass(frozen=True)
class Unknown(Rule):
    """A condition cardboot does not interpret (SC byte, secure messaging CRT, proprietary DO)."""

    raw: bytes
    why: str = ""

    def __str__(self) -> str:
        return f"?{self.raw.hex().upper()}"

    def as_json(self):
        return {"unknown": self.raw.hex().upper(), "why": self.why}


ALWAYS = Always()
NEVER = Never()


def any_of(rules: list[Rule]) -> Rule:
    """OR of ``rules``, flattened: one alternative is itself; none is NEV."""
    if not rules:
        return NEVER
    if len(rules) == 1:
        return rules[0]
    if any(isinstance(r, Always) for r in rules):
        return ALWAYS
    return AnyOf(tuple(rules))


# --- where the rules came from ----------------------------------------------------------------------


@dataclass(frozen=True)
class ArrReference:
    """FCP tag 8B (TS 102 221 9.2.5): the EF.ARR's FID and the record, or one record per security
    environment (SE ID → record)."""

    fid: int
    record: int | None
    by_se: tuple[tuple[int, int], ...] = ()

    def record_for(self, se: int = 0) -> int | None:
        """The record that applies in security environment ``se`` (SE 00: the application PIN is in use;
        TS 102 221 9.5.1). Without pairs, the one record."""
        if self.record is not None:
            return self.record
        for se_id, rec in self.by_se:
            if se_id == se:
                return rec
        return None

    def __str__(self) -> str:
        if self.record is not None:
            return f"EF.ARR {self.fid:04X} record {self.record}"
        pairs = ", ".join(f"SE{se:02X}: {rec}" for se, rec in self.by_se)
        return f"EF.ARR {self.fid:04X} records {pairs}"


@dataclass(frozen=True)
class AccessRules(Mapping):
    """Operation name ('read', 'update', ...) → :class:`Rule`, plus where they came from: ``source`` is
    'compact', 'expanded', 'arr' (read from EF.ARR), 'referenced' (EF.ARR not read yet), 'sim' or ''."""

    rules: tuple[tuple[str, Rule], ...] = ()
    source: str = ""
    arr: ArrReference | None = None

    def __getitem__(self, op: str) -> Rule:
        for name, rule in self.rules:
            if name == op:
                return rule
        raise KeyError(op)

    def __iter__(self):
        return (name for name, _ in self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def resolved(self) -> bool:
        return self.source != "referenced"

    def text(self, ops: tuple[str, ...] = ("read", "update")) -> str:
        """'read ALW update ADM1' — or the EF.ARR reference while it is not read."""
        if not self.resolved:
            return str(self.arr)
        return " ".join(f"{op} {self[op]}" for op in ops if op in self)

    def as_json(self) -> dict:
        out: dict = {op: rule.as_json() for op, rule in self.rules}
        if self.arr is not None:
            out["arr"] = str(self.arr)
        return out


# --- decoders ------------------------------------------------------------------------------------------


def operations(am: int, is_df: bool = False) -> list[str]:
    """Operations named by an access mode byte (ISO/IEC 7816-4 tables 16/17), b7 first."""
    names = DF_OPERATIONS if is_df else EF_OPERATIONS
    return [names[6 - bit] for bit in range(6, -1, -1) if am & (1 << bit)]


def _sc_byte(sc: int) -> Rule:
    """ISO/IEC 7816-4 table 20: 00 always, FF never; else conditions with an implicit key."""
    if sc == 0x00:
        return ALWAYS
    if sc == 0xFF:
        return NEVER
    return Unknown(bytes([sc]), "security condition byte: the key is implicit")


def _sc_do(do: tlv.Tlv) -> Rule:
    """One SC_DO (ISO/IEC 7816-4:2013 table 33)."""
    if do.tag == 0x90:
        return ALWAYS
    if do.tag == 0x97:
        return NEVER
    if do.tag == 0x9E and len(do.value) == 1:
        return _sc_byte(do.value[0])
    if do.tag == 0xA4:  # control reference template: 83 key reference (+ 95 usage qualifier)
        refs = [c for c in do.children(padding=True) if c.tag == 0x83]
        if len(refs) == 1 and len(refs[0].value) == 1:
            return Key.uicc(refs[0].value[0])
        return Unknown(_encoded(do), "control reference template without one key reference")
    if do.tag in (0xA0, 0xAF):
        inner = [_sc_do(c) for c in do.children(padding=True)]
        if not inner:
            return Unknown(_encoded(do), "empty template")
        if len(inner) == 1:
            return inner[0]
        return any_of(inner) if do.tag == 0xA0 else AllOf(tuple(inner))
    if do.tag == 0xA7:
        inner = [_sc_do(c) for c in do.children(padding=True)]
        if len(inner) != 1:
            return Unknown(_encoded(do), "NOT template without exactly one condition")
        return Not(inner[0])
    return Unknown(_encoded(do), f"security condition DO {do.tag:02X}")


def _encoded(do: tlv.Tlv) -> bytes:
    return tlv.encode(do.tag, do.value)


def decode_expanded(data: bytes, *, is_df: bool = False, where: str = "", padding: bool = True) -> AccessRules:
    """Expanded-format rules (the value of FCP tag AB, or an EF.ARR record padded with FF)."""
    items = tlv.parse(data, what=_WHAT, where=where, padding=padding)
    found: dict[str, list[Rule]] = {}
    order: list[str] = []
    ops: list[str] = []
    conds: list[Rule] = []

    def flush() -> None:
        if ops:
            rule = any_of(conds)
            for op in ops:
                if op not in found:
                    found[op] = []
                    order.append(op)
                found[op].append(rule)

    skipping = False  # after a proprietary AM (9C): its conditions concern nothing cardboot does
    for do in items:
        if do.tag == 0x80:
            flush()
            if len(do.value) != 1:
                raise TlvError(_WHAT, f"access mode byte (80) of {len(do.value)} bytes", do.offset, where)
            ops, conds, skipping = operations(do.value[0], is_df), [], False
        elif 0x81 <= do.tag <= 0x8F:
            flush()
            ops, conds, skipping = [f"command {do.value.hex().upper()}"], [], False
        elif do.tag == 0x9C:
            flush()
            ops, conds, skipping = [], [], True
        elif skipping:
            continue
        elif not ops:
            raise TlvError(_WHAT, f"security condition {do.tag:02X} before any access mode", do.offset, where)
        else:
            conds.append(_sc_do(do))
    flush()
    # An operation named by two access rules: either satisfies it (ISO/IEC 7816-4 9.3.3)
    return AccessRules(tuple((op, any_of(found[op])) for op in order), "expanded")


def _encode_sc(rule: Rule) -> bytes:
    """The SC_DO for a rule (ISO/IEC 7816-4:2013 table 33): 90 00 always, 97 00 never, A4 {83 key, 95 08
    user verification}, A0 OR, AF AND, A7 NOT."""
    if isinstance(rule, Always):
        return b"\x90\x00"
    if isinstance(rule, Never):
        return b"\x97\x00"
    if isinstance(rule, Key):
        return tlv.encode(0xA4, tlv.encode(0x83, bytes([rule.ref])) + tlv.encode(0x95, b"\x08"))
    if isinstance(rule, (AnyOf, AllOf)):
        return tlv.encode(0xA0 if isinstance(rule, AnyOf) else 0xAF, b"".join(_encode_sc(r) for r in rule.rules))
    if isinstance(rule, Not):
        return tlv.encode(0xA7, _encode_sc(rule.rule))
    raise ValueError(f"cannot encode the condition {rule}")


def encode_expanded(rules: dict[str, Rule], *, is_df: bool = False) -> bytes:
    """Expanded-format rules (an EF.ARR record, or the value of FCP tag AB): one AM_DO per distinct
    condition, its access mode byte naming every operation that condition guards, in the order the
    operations are first given."""
    names = DF_OPERATIONS if is_df else EF_OPERATIONS
    grouped: dict[Rule, int] = {}
    for op, rule in rules.items():
        if op not in names:
            raise ValueError(f"{op!r} is not an operation of {'a DF' if is_df else 'an EF'}")
        grouped[rule] = grouped.get(rule, 0) | (1 << (6 - names.index(op)))
    return b"".join(tlv.encode(0x80, bytes([am])) + _encode_sc(rule) for rule, am in grouped.items())


def rule_signature(rule: Rule) -> str:
    """A rule's meaning without the names its keys go by on one card or another (CHV1 and PIN1 are key
    reference 01): to compare what a card enforces with what a layout asks for."""
    if isinstance(rule, Key):
        return f"K{rule.ref:02X}"
    if isinstance(rule, (AnyOf, AllOf)):
        inner = sorted(rule_signature(r) for r in rule.rules)
        return ("OR(" if isinstance(rule, AnyOf) else "AND(") + ",".join(inner) + ")"
    if isinstance(rule, Not):
        return f"NOT({rule_signature(rule.rule)})"
    return str(rule)


def decode_compact(data: bytes, *, is_df: bool = False, where: str = "", offset: int = 0) -> AccessRules:
    """Compact format (FCP tag 8C): AM byte + one SC byte per set bit b7..b1; several AM/SC sets are an
    OR (TS 102 221 9.2.3)."""
    if not data:
        raise TlvError(_WHAT, "empty compact security attribute (8C)", offset, where)
    names = DF_OPERATIONS if is_df else EF_OPERATIONS
    found: dict[str, list[Rule]] = {}
    order: list[str] = []
    i = 0
    while i < len(data):
        am = data[i]
        i += 1
        set_bits = [bit for bit in range(6, -1, -1) if am & (1 << bit)]
        scs = data[i : i + len(set_bits)]
        if len(scs) != len(set_bits):
            raise TlvError(_WHAT, f"compact security attribute: {len(set_bits)} conditions announced, "
                           f"{len(scs)} present", offset + i, where)
        i += len(scs)
        for bit, sc in zip(set_bits, scs):
            if am & 0x80 and bit >= 3:
                continue  # b8 set: b7-b4 are proprietary (TS 102 221 9.2.3)
            op = names[6 - bit]
            if op not in found:
                found[op] = []
                order.append(op)
            found[op].append(_sc_byte(sc))
    return AccessRules(tuple((op, any_of(found[op])) for op in order), "compact")


def decode_arr_reference(value: bytes, *, where: str = "", offset: int = 0) -> ArrReference:
    """FCP tag 8B (TS 102 221 9.2.5): 3 bytes FID + record, or 2 + 2n bytes FID + (SE ID, record) pairs."""
    if len(value) == 3:
        return ArrReference(int.from_bytes(value[:2], "big"), value[2])
    if len(value) >= 4 and len(value) % 2 == 0:
        pairs = tuple((value[i], value[i + 1]) for i in range(2, len(value), 2))
        return ArrReference(int.from_bytes(value[:2], "big"), None, pairs)
    raise TlvError("FCP", f"reference to EF.ARR (8B) of {len(value)} bytes (need 3, or 2 + 2n)", offset, where)


def sim_nibble(nibble: int) -> Rule:
    """TS 51.011 9.3: 0 ALW, 1 CHV1, 2 CHV2, 3 RFU, 4..E ADM (level = the nibble; VERIFY CHV with P2 = the
    nibble, so ADM level A is key reference 0A, "ADM1" as TS 102 221 numbers it), F NEV."""
    if nibble == 0x0:
        return ALWAYS
    if nibble == 0xF:
        return NEVER
    if nibble in (1, 2):
        return Key(nibble, False, f"CHV{nibble}", sim=True)
    if nibble == 3:
        return Unknown(bytes([nibble]), "RFU access condition")
    name = key_ref_name(nibble) if nibble >= 0x0A else f"ADM-level{nibble:X}"
    return Key(nibble, True, name, sim=True)


# --- what provisioning must present -------------------------------------------------------------------


class RuleNotSatisfiable(Exception):
    """The rule can never be met by verifying keys (NEV, a NOT, or a condition cardboot cannot read)."""

    def __init__(self, rule: Rule, reason: str):
        self.rule = rule
        self.reason = reason
        super().__init__(reason)


def keys_to_present(rule: Rule, have: Callable[[Key], bool]) -> list[Key]:
    """The keys to VERIFY so that ``rule`` holds. ``have(key)`` says whether the operator gave a secret *for
    that key*. For an OR, the first alternative whose keys all have one (so '(PIN2-APPL1 or ADM1)' with a
    PIN1 value and an ADM1 value → ADM1: the PIN1 value is never sent to key 81); when none has, the first
    alternative, for the caller to refuse naming the missing secret. For an AND, all of them.

    Raises :class:`RuleNotSatisfiable` for NEV, NOT and conditions cardboot does not interpret.
    """
    if isinstance(rule, Always):
        return []
    if isinstance(rule, Key):
        return [rule]
    if isinstance(rule, AllOf):
        out: list[Key] = []
        for r in rule.rules:
            for k in keys_to_present(r, have):
                if k not in out:
                    out.append(k)
        return out
    if isinstance(rule, AnyOf):
        options = []
        for r in rule.rules:
            try:
                options.append(keys_to_present(r, have))
            except RuleNotSatisfiable:
                continue
        if not options:
            raise RuleNotSatisfiable(rule, f"no alternative of {rule} can be met by verifying a key")
        for keys in options:
            if all(have(k) for k in keys):
                return keys
        return options[0]  # none is fully covered: the caller reports the first one's missing secret
    if isinstance(rule, Never):
        raise RuleNotSatisfiable(rule, "the card never allows it (NEV)")
    if isinstance(rule, Not):
        raise RuleNotSatisfiable(rule, f"'{rule}' cannot be met by verifying a key")
    assert isinstance(rule, Unknown)
    raise RuleNotSatisfiable(rule, f"cardboot does not interpret the condition {rule.raw.hex().upper()}"
                                   f" ({rule.why})")


def satisfied_by(rule: Rule, verified: list[Key]) -> bool:
    """Whether ``rule`` holds once the ``verified`` keys are verified."""
    if isinstance(rule, Always):
        return True
    if isinstance(rule, Key):
        return any(k.ref == rule.ref for k in verified)
    if isinstance(rule, AnyOf):
        return any(satisfied_by(r, verified) for r in rule.rules)
    if isinstance(rule, AllOf):
        return all(satisfied_by(r, verified) for r in rule.rules)
    return False
