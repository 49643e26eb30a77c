# SPDX-License-Identifier: Apache-2.0
# vpcprobe %postun: on removal ($1 = 0), deletes the metrics file the timer wrote
# (node_exporter would otherwise go on exporting the last check's values as if they were
# current) and tells systemd the units are gone. The state in /var/lib/vpcprobe and the
# vpcprobe user stay.
if [ "$1" -eq 0 ]; then
    rm -f /var/lib/node_exporter/textfile_collector/vpcprobe.prom
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || :
    fi
fi
:
