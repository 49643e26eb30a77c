# SPDX-License-Identifier: Apache-2.0
# vpcprobe %post: creates the vpcprobe system user (sysusers.d) and gives it write access to
# node_exporter's textfile directory (tmpfiles.d), then tells systemd about the units. Nothing
# is enabled or started: the administrator chooses vpcprobe.service or vpcprobe-check.timer.
# $1: 1 on install, 2 on upgrade.
if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers vpcprobe.conf || :
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
    systemd-tmpfiles --create vpcprobe.conf ||
        echo "vpcprobe: could not give the vpcprobe user write access to" \
            "/var/lib/node_exporter/textfile_collector (see vpcprobe(1), FILES)" >&2
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || :
    if [ "$1" -ge 2 ]; then
        systemctl try-restart vpcprobe.service || :
    fi
fi
:
