# herald %postun: config (%config(noreplace)) and data under /var/lib/herald stay after an erase.
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || :; fi
exit 0
