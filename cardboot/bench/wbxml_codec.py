"""Benchmark: encode and decode a realistic ~2 KB bootstrap message (the dm-bootstrap template, embedded
WBXML TNDS carrier), cardboot against libwbxml in one run:

- in process: cardboot's ``codec.decode`` / ``codec.encode`` on the element tree, and the full
  conversions WBXML → XML text and XML text → WBXML; libwbxml2.so through ctypes
  (``wbxml_conv_wbxml2xml_run`` / ``wbxml_conv_xml2wbxml_run``), which are those conversions;
- its command-line tools ``wbxml2xml`` / ``xml2wbxml`` (process start included), for scale.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class CodecResult:
    operation: str
    implementation: str
    us: float
    ratio_to_libwbxml: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _mean_us(fn, rounds: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - t0) / rounds * 1e6


class _LibWbxml:
    """libwbxml2's converter API through ctypes (None when the library is not there)."""

    def __init__(self):
        name = ctypes.util.find_library("wbxml2") or "libwbxml2.so.1"
        self.lib = ctypes.CDLL(name)
        L = self.lib
        L.wbxml_conv_wbxml2xml_create.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        L.wbxml_conv_wbxml2xml_run.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32,
                                               ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_uint32)]
        L.wbxml_conv_wbxml2xml_destroy.argtypes = [ctypes.c_void_p]
        L.wbxml_conv_xml2wbxml_create.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        L.wbxml_conv_xml2wbxml_run.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32,
                                               ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_uint32)]
        L.wbxml_conv_xml2wbxml_destroy.argtypes = [ctypes.c_void_p]
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"))
        self.libc.free.argtypes = [ctypes.c_void_p]

    def _convert(self, direction: str, data: bytes) -> bytes:
        """Run libwbxml's ``wbxml_conv_<direction>_{create,run,destroy}`` on ``data``."""
        create = getattr(self.lib, f"wbxml_conv_{direction}_create")
        run = getattr(self.lib, f"wbxml_conv_{direction}_run")
        destroy = getattr(self.lib, f"wbxml_conv_{direction}_destroy")
        conv = ctypes.c_void_p()
        if create(ctypes.byref(conv)) != 0:
            raise RuntimeError(f"wbxml_conv_{direction}_create failed")
        out, out_len = ctypes.c_void_p(), ctypes.c_uint32()
        try:
            rc = run(conv, data, len(data), ctypes.byref(out), ctypes.byref(out_len))
            if rc != 0:
                raise RuntimeError(f"{direction} failed ({rc})")
            result = ctypes.string_at(out, out_len.value)
            self.libc.free(out)
            return result
        finally:
            destroy(conv)

    def wbxml2xml(self, data: bytes) -> bytes:
        return self._convert("wbxml2xml", data)

    def xml2wbxml(self, xml: bytes) -> bytes:
        return self._convert("xml2wbxml", xml)


def sample_message() -> bytes:
    from ..bootstrap.builder import build_message, encode_message
    from ..bootstrap.template import load_bootstrap, load_toml, resolve_template

    variables = load_toml(resolve_template("dm-bootstrap").parent.parent / "vars" / "example.toml", "vars")
    return encode_message(build_message(load_bootstrap("dm-bootstrap", variables), "tnds-wbxml"))


def bench_wbxml(rounds: int = 300) -> tuple[int, list[CodecResult]]:
    from ..wbxml import codec
    from ..wbxml.xml import element_from_xml, parse_xml, to_xml_bytes

    data = sample_message()
    tree = codec.decode(data).root
    from ..bootstrap.syncml import embed_tnds, expand_embedded_tnds

    # Like libwbxml: WBXML -> XML expands the embedded TNDS; XML (TNDS inline) -> WBXML embeds it again
    expanded = expand_embedded_tnds(tree)
    xml = to_xml_bytes(expanded, pretty=False)
    results = [
        CodecResult("WBXML -> element tree", "cardboot",
                    _mean_us(lambda: expand_embedded_tnds(codec.decode(data).root, copy=False), rounds)),
        CodecResult("element tree -> WBXML", "cardboot",
                    _mean_us(lambda: codec.encode(embed_tnds(expanded.copy())), rounds)),
    ]
    ours_w2x = _mean_us(lambda: to_xml_bytes(expand_embedded_tnds(codec.decode(data).root, copy=False),
                                             pretty=False), rounds)

    ours_x2w = _mean_us(lambda: codec.encode(embed_tnds(element_from_xml(parse_xml(xml)))), rounds)
    lib_w2x = lib_x2w = None
    try:
        lib = _LibWbxml()
        lib.wbxml2xml(data)
        lib_w2x = _mean_us(lambda: lib.wbxml2xml(data), rounds)
        lib_x2w = _mean_us(lambda: lib.xml2wbxml(xml), rounds)
    except (OSError, RuntimeError, AttributeError):
        pass
    results.append(CodecResult("WBXML -> XML text", "cardboot", ours_w2x,
                               round(ours_w2x / lib_w2x, 2) if lib_w2x else None))
    results.append(CodecResult("XML text -> WBXML", "cardboot", ours_x2w,
                               round(ours_x2w / lib_x2w, 2) if lib_x2w else None))
    if lib_w2x:
        results.append(CodecResult("WBXML -> XML text", "libwbxml (ctypes)", lib_w2x, 1.0))
        results.append(CodecResult("XML text -> WBXML", "libwbxml (ctypes)", lib_x2w, 1.0))
    if shutil.which("wbxml2xml") and shutil.which("xml2wbxml"):
        with tempfile.TemporaryDirectory() as d:
            w, x = Path(d, "m.wbxml"), Path(d, "m.xml")
            w.write_bytes(data)
            x.write_bytes(xml)
            n = max(3, rounds // 30)
            results.append(CodecResult("WBXML -> XML text", "wbxml2xml (process)", _mean_us(
                lambda: subprocess.run(["wbxml2xml", "-o", str(Path(d, "o.xml")), str(w)], capture_output=True), n)))
            results.append(CodecResult("XML text -> WBXML", "xml2wbxml (process)", _mean_us(
                lambda: subprocess.run(["xml2wbxml", "-o", str(Path(d, "o.wbxml")), str(x)], capture_output=True), n)))
    for r in results:
        r.us = round(r.us, 1)
    return len(data), results
