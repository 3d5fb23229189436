#!/usr/bin/env bash
# Check for, and on Debian install, the system packages the app and its tests need:
# venv support, gettext (compilemessages), pango (WeasyPrint PDFs), CJK fonts, Chromium
# (browser tests).
set -euo pipefail

missing=()
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK\|Noto Serif CJK\|WenQuanYi' || missing+=(fonts-noto-cjk fontconfig)
test -x /usr/bin/chromium || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "System packages needed: ${missing[*]}"
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            echo "Run as root or install them: apt-get install ${missing[*]}" >&2
            exit 1
        fi
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    echo "Installed: ${missing[*]}"
else
    echo "Install these packages with your system's package manager: ${missing[*]}" >&2
    exit 1
fi
