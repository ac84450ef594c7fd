# herald %post: the system user, data and log directories, a JWT secret on first install, the unit.
if ! getent passwd herald >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/herald --no-create-home \
          --shell /sbin/nologin --comment "Herald messaging server" herald
fi
install -d -o herald -g herald -m 0750 /var/lib/herald /var/log/herald
if [ ! -s /var/lib/herald/jwt.secret ]; then
  (umask 077 && openssl rand -hex 32 > /var/lib/herald/jwt.secret)
  chown herald:herald /var/lib/herald/jwt.secret
fi
chgrp herald /etc/herald/herald.yaml && chmod 0640 /etc/herald/herald.yaml
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
  if [ "$1" -gt 1 ]; then systemctl try-restart herald.service >/dev/null 2>&1 || :; fi
fi
exit 0
