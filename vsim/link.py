"""How long APDUs take on a real card's wire (ISO/IEC 7816-3), so that benchmarks time cards in bytes,
not host microseconds.

A character is 12 etu under T=0 (start bit, 8 data bits, parity, 2 etu guard time) and 11 etu under T=1
(1 etu character guard time); one etu is 1 / ``baud`` seconds (9600 bit/s is the default rate before
any PPS: F=372, D=1 at 3.57 MHz). Per APDU:

- T=0: the 5-byte header, a procedure byte, the command data, the response data and SW1 SW2 (a 61xx /
  6Cxx turn is a separate APDU in the trace already);
- T=1: the same APDU bytes inside an I-block each way, with a 3-byte prologue and a 1-byte LRC.

``card_ms`` adds the card's own time per command (file system, EEPROM); the bench states what it uses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinkModel:
    baud: int = 9600
    protocol: str = "T=0"
    card_ms: float = 0.0

    @property
    def char_seconds(self) -> float:
        return (12 if self.protocol == "T=0" else 11) / self.baud

    def wire_bytes(self, data_len: int, le: int | None, response_len: int) -> int:
        """Characters on the wire for one APDU: command and response, framing included."""
        if self.protocol == "T=0":  # P3 is always sent; one procedure byte comes back before data / SW
            return 5 + data_len + 1 + response_len + 2
        command = 4 + (1 + data_len if data_len else 0) + (1 if le is not None else 0)  # the APDU's own case
        return (3 + command + 1) + (3 + response_len + 2 + 1)

    def seconds(self, data_len: int, le: int | None, response_len: int) -> float:
        return self.wire_bytes(data_len, le, response_len) * self.char_seconds + self.card_ms / 1000
