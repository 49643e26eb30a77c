# SPDX-License-Identifier: Apache-2.0
# vpcprobe %preun: on removal ($1 = 0, not an upgrade), stops and disables the units.
if [ "$1" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
        systemctl stop vpcprobe-check.timer vpcprobe-check.service vpcprobe.service || :
    fi
    systemctl --no-reload disable vpcprobe-check.timer vpcprobe.service >/dev/null 2>&1 || :
fi
:
