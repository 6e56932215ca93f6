"""A stored device's bootstrap pushed by SMS (OMA DM Bootstrap 5.1.2.3): the message from the device store,
built into a WAP Push with SEC/MAC (cardboot.push.delivery), handed to an SMSC by URL template or command
(cardboot.push.smsc), and a push-sent progress report stored for the device."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError
from ..push import sec as secm
from ..push.delivery import BuiltPush, build_push
from ..push.smsc import Sms, send_by_command, send_by_url
from ..secret import Secret
from .store import DeviceStore


@dataclass
class DevicePush:
    serial: str
    message_bytes: int
    method: int
    built: BuiltPush
    messages: list[Sms]


def build_device_push(store: DeviceStore, serial: str, to: str, *, sec: str | None, imsi: str | None,
                      pin: Secret | None, imsi_ascii: bool = False) -> DevicePush:
    device = store.get(serial)
    if device is None or not device.message:
        raise UsageError(f"no device {serial} with a bootstrap message in the store")
    method = secm.choose_method(sec, imsi, pin)
    built = build_push(device.message, method, imsi=imsi, pin=pin, imsi_ascii=imsi_ascii, destination=to)
    messages = [Sms(to, n, len(built.submit), ud, tpdu)
                for n, (ud, tpdu) in enumerate(zip(built.user_data, built.submit), 1)]
    return DevicePush(serial, len(device.message), method, built, messages)


def send_device_push(store: DeviceStore, push: DevicePush, *, url_template: str | None = None,
                     command: str | None = None) -> str:
    """Hand every SMS to the SMSC (exactly one of ``url_template`` / ``command``), then record push-sent;
    returns how it went out, for people."""
    if command:
        send_by_command(command, push.messages)
        how = f"handed to {command.split()[0]}"
    else:
        send_by_url(url_template or "", push.messages)
        how = "accepted by the SMSC"
    store.add_report(push.serial, "push-sent", None, {"sms": len(push.messages), "sec": secm.METHODS[push.method],
                                                      "to": push.messages[0].to})
    return how
