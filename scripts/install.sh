#!/bin/sh
# Install everything cardboot needs on Debian 12 (as root): the PC/SC stack with the vsmartcard virtual
# reader driver, the cross-check tools, a virtualenv in .venv and the package with its test extras.
# Safe to run again: apt and pip skip what is already there.
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    # --no-install-recommends: pcsc-tools would otherwise pull a GTK desktop stack
    # noninteractive: tshark's wireshark-common would ask whether non-root users may capture
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3 python3-venv python3-dev gcc pkg-config swig \
        pcscd libpcsclite-dev pcsc-tools vsmartcard-vpcd libwbxml2-utils opensc openssl postgresql curl \
        wrk nginx-light apache2-utils tshark libyang2-tools \
        >/dev/null
    # vpcd listens on 35963.., inside Linux's ephemeral range: a client socket left in TIME_WAIT on one of
    # those ports keeps vpcd from binding it and its reader from appearing (vsim/pcscd.py). Reserve 8 readers'
    # ports (kernel-wide; skipped where /proc/sys is read-only, and vsim then waits for the port instead).
    reserved=/proc/sys/net/ipv4/ip_local_reserved_ports
    if [ -w "$reserved" ] && ! grep -q '35963-35978' "$reserved"; then
        current=$(cat "$reserved")
        echo "${current:+$current,}35963-35978" > "$reserved" 2>/dev/null || true
    fi
else
    echo "install.sh: not root, skipping apt packages" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[dev]'
# An editable install leaves cardboot's own modules uncompiled, and a shell with PYTHONDONTWRITEBYTECODE
# set never writes their bytecode: every command would compile ~100 modules first (+20-30 ms a start,
# README "Process start").
.venv/bin/python -m compileall -q cardboot vsim >/dev/null
