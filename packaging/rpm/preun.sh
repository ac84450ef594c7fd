# herald %preun: stop and disable the service on erase (not on upgrade, where $1 is 1).
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
  systemctl --no-reload disable --now herald.service >/dev/null 2>&1 || :
fi
exit 0
