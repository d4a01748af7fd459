#!/usr/bin/env bash
# Installs (from Debian packages) and starts the servers the integration tests use, on loopback.
# Sourced by .ci/run; a developer can run it once per machine boot: `source .ci/services.sh`.
# Exports the GS_TEST_* variables the test fixtures read.
set -euo pipefail

need=()
command -v pg_lsclusters >/dev/null || need+=(postgresql)
command -v mariadbd >/dev/null || need+=(mariadb-server mariadb-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v hyperfine >/dev/null || need+=(hyperfine)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# PostgreSQL: the packaged cluster on 5432; ci_user may create databases (one per test app).
pgver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online || pg_ctlcluster "$pgver" main start
until pg_isready -h 127.0.0.1 -p 5432 -q; do sleep 0.5; done
# The test projects run at once, each with hubs of their own: room for their pools beyond the default 100. The
# memory and WAL settings are those of a server (Debian's defaults, 128 MB of shared buffers and a checkpoint every
# 1 GB of WAL, are sized for a small shared host): bulk log writes otherwise evict their own index pages and PostgreSQL
# logs "checkpoints are occurring too frequently". bench/run-hub-agents.sh measures on this server.
if [ "$(runuser -u postgres -- psql -qtA -c 'SHOW max_connections')" -lt 400 ] ||
   [ "$(runuser -u postgres -- psql -qtA -c 'SHOW shared_buffers')" != 1GB ]; then
  runuser -u postgres -- psql -q -c "ALTER SYSTEM SET max_connections = 400" -c "ALTER SYSTEM SET shared_buffers = '1GB'" \
    -c "ALTER SYSTEM SET max_wal_size = '8GB'" -c "ALTER SYSTEM SET checkpoint_timeout = '15min'"
  pg_ctlcluster "$pgver" main restart
  until pg_isready -h 127.0.0.1 -p 5432 -q; do sleep 0.5; done
fi
runuser -u postgres -- psql -qtA -c "SELECT 1 FROM pg_roles WHERE rolname='ci_user'" | grep -q 1 ||
  runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "CREATE ROLE ci_user LOGIN CREATEDB PASSWORD 'ci_pass'" -c "CREATE DATABASE ci_db OWNER ci_user"
# DROP DATABASE … WITH (FORCE) of a test database must also end an autovacuum worker busy in it (42501 without this).
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "GRANT pg_signal_backend TO ci_user"
export GS_TEST_POSTGRES="Host=127.0.0.1;Port=5432;Database=ci_db;Username=ci_user;Password=ci_pass"

# MariaDB on 3306.
if ! mariadb-admin ping >/dev/null 2>&1; then
  install -d -o mysql -g mysql /run/mysqld
  (mariadbd --user=mysql --bind-address=127.0.0.1 --port=3306 >/tmp/mariadb.log 2>&1 &)
  until mariadb-admin ping >/dev/null 2>&1; do sleep 0.5; done
fi
mariadb -uroot -e "CREATE DATABASE IF NOT EXISTS ci_db; CREATE USER IF NOT EXISTS 'ci_user'@'%' IDENTIFIED BY 'ci_pass'; GRANT ALL ON *.* TO 'ci_user'@'%';"
export GS_TEST_MARIADB="Server=127.0.0.1;Port=3306;Database=ci_db;User ID=ci_user;Password=ci_pass"

# OpenSSH with SFTP on 2222, key-only, for user citest.
id citest >/dev/null 2>&1 || { useradd -m citest && usermod -p '*' citest; }
mkdir -p -m700 /tmp/ci-ssh /run/sshd
[ -f /tmp/ci-ssh/host_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -f /tmp/ci-ssh/host_ed25519
[ -f /tmp/ci-ssh/client_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -f /tmp/ci-ssh/client_ed25519
home=$(getent passwd citest | cut -d: -f6)
install -d -m700 -o citest -g citest "$home/.ssh" "$home/upload"
install -m600 -o citest -g citest /tmp/ci-ssh/client_ed25519.pub "$home/.ssh/authorized_keys"
cat > /tmp/ci-ssh/sshd_config <<CONF
Port 2222
ListenAddress 127.0.0.1
HostKey /tmp/ci-ssh/host_ed25519
PidFile /tmp/ci-ssh/sshd.pid
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers citest
Subsystem sftp internal-sftp
CONF
if ! { [ -f /tmp/ci-ssh/sshd.pid ] && kill -0 "$(cat /tmp/ci-ssh/sshd.pid)" 2>/dev/null; }; then
  /usr/sbin/sshd -t -f /tmp/ci-ssh/sshd_config && /usr/sbin/sshd -f /tmp/ci-ssh/sshd_config -E /tmp/ci-ssh/sshd.log
fi
until ssh-keyscan -p 2222 -t ed25519 127.0.0.1 >/tmp/ci-ssh/known_hosts 2>/dev/null && [ -s /tmp/ci-ssh/known_hosts ]; do sleep 0.2; done
export GS_TEST_SFTP_HOST=127.0.0.1 GS_TEST_SFTP_PORT=2222 GS_TEST_SFTP_USER=citest
export GS_TEST_SFTP_KEY=/tmp/ci-ssh/client_ed25519
export GS_TEST_SFTP_FINGERPRINT="$(ssh-keygen -lf /tmp/ci-ssh/host_ed25519.pub -E sha256 | awk '{print $2}' | sed 's/^SHA256://')"
export GS_TEST_SFTP_ROOT=upload

# SMTP sink (aiosmtpd) on 2525: every mail the hub sends lands in the Maildir's new/ folder.
mkdir -p /tmp/ci-mail
if ! { [ -f /tmp/ci-mail/aiosmtpd.pid ] && kill -0 "$(cat /tmp/ci-mail/aiosmtpd.pid)" 2>/dev/null; }; then
  # -n: no setuid to nobody, which could not write the Maildir.
  (/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox /tmp/ci-mail/Maildir >/tmp/ci-mail/aiosmtpd.log 2>&1 & echo $! >/tmp/ci-mail/aiosmtpd.pid)
fi
until (exec 3<>/dev/tcp/127.0.0.1/2525) 2>/dev/null; do sleep 0.2; done
export GS_TEST_SMTP_HOST=127.0.0.1 GS_TEST_SMTP_PORT=2525 GS_TEST_SMTP_MAILDIR=/tmp/ci-mail/Maildir
