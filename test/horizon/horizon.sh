#!/usr/bin/env bash
# Horizon (Debian 12's openstack-dashboard) with the Masakari panels
# (python3-masakari-dashboard), on 127.0.0.1:18800 under uwsgi, logging in
# to the e2e cloud's Keystone and reaching Lazarus through the Keystone
# catalog's instance-ha endpoint, exactly as it would reach Masakari.
#
#   horizon.sh up      install what is missing, write the settings, start, wait until the login page answers
#   horizon.sh down    stop the Horizon this script started
#   horizon.sh status  whether it runs, and its URL
#
# Everything lives in test/horizon/.state/ (LAZARUS_HORIZON_STATE_DIR;
# gitignored): the settings module, the wsgi file, the pid file and the log.
# Debian's own /etc/openstack-dashboard is read (the package's defaults) but
# never changed: the settings module imports Horizon's and overrides only
# Keystone's URL, the allowed hosts and logging. Keystone is the one of
# test/e2e/cloud.sh (OS_AUTH_URL of `cloud.sh env`, default
# http://127.0.0.1:15000/v3).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${LAZARUS_HORIZON_STATE_DIR:-$HERE/.state}
RUN=$STATE/run
LOGS=$STATE/logs
PORT=${LAZARUS_HORIZON_PORT:-18800}
KEYSTONE_URL=${OS_AUTH_URL:-http://127.0.0.1:15000/v3}
URL=http://127.0.0.1:$PORT

log() { printf '[horizon %s] %s\n' "$(date -u +%T)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# shellcheck source-path=SCRIPTDIR source=../e2e/lib/proc.sh
. "$HERE/../e2e/lib/proc.sh"

running() { pidfile_alive "$RUN/horizon.pid"; }

# close_inherited_fds closes every open descriptor above 2 of this shell.
close_inherited_fds() {
	local fd
	for fd in "/proc/$BASHPID/fd/"*; do
		fd=${fd##*/}
		if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
	done
}

install_packages() {
	local missing=()
	dpkg -s openstack-dashboard >/dev/null 2>&1 || missing+=(openstack-dashboard)
	dpkg -s python3-masakari-dashboard >/dev/null 2>&1 || missing+=(python3-masakari-dashboard)
	dpkg -s uwsgi-core >/dev/null 2>&1 || missing+=(uwsgi-core)
	dpkg -s uwsgi-plugin-python3 >/dev/null 2>&1 || missing+=(uwsgi-plugin-python3)
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

write_settings() {
	mkdir -p "$STATE/app" "$RUN" "$LOGS"
	cat >"$STATE/app/lazarus_horizon_settings.py" <<PY
# Written by test/horizon/horizon.sh: Debian's Horizon settings, pointed at
# the e2e cloud's Keystone.
from openstack_dashboard.settings import *  # noqa: F401,F403

OPENSTACK_KEYSTONE_URL = "$KEYSTONE_URL"
OPENSTACK_ENDPOINT_TYPE = "publicURL"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DEBUG = False
# One uwsgi process: the package's local-memory cache keeps the sessions.
SESSION_TIMEOUT = 3600
LOGGING["handlers"]["console"]["level"] = "INFO"
LOGGING["loggers"][""] = {"handlers": ["console"], "level": "WARNING"}
PY
	cat >"$STATE/app/wsgi.py" <<PY
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["DJANGO_SETTINGS_MODULE"] = "lazarus_horizon_settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
PY
}

cmd_up() {
	[ "$(id -u)" = 0 ] || die "run as root (apt, and the package's secret key in /var/lib/openstack-dashboard)"
	install_packages
	write_settings
	if ! running; then
		log "starting Horizon on $URL (Keystone $KEYSTONE_URL)"
		# Close every inherited descriptor above stderr first: a caller's
		# `flock /work/e2e.lock …` lock fd would otherwise live on in uwsgi
		# and hold the shared cloud's lock for as long as Horizon runs.
		(close_inherited_fds && cd "$STATE" && exec setsid uwsgi --plugin python3 --http-socket "127.0.0.1:$PORT" \
			--wsgi-file "$STATE/app/wsgi.py" --chdir "$STATE/app" \
			--static-map /static=/var/lib/openstack-dashboard/static \
			--master --processes 1 --threads 4 --need-app --die-on-term --lazy-apps \
			--buffer-size 65535 >>"$LOGS/horizon.log" 2>&1 </dev/null) &
		pidfile_write "$RUN/horizon.pid" "$!"
	fi
	local i
	for ((i = 0; i < 300; i++)); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$URL/auth/login/")" = 200 ]; then
			log "Horizon answers at $URL/auth/login/"
			echo "$URL"
			return 0
		fi
		running || die "Horizon exited; see $LOGS/horizon.log"
		sleep 0.2
	done
	die "Horizon did not answer $URL/auth/login/ within 60 s; see $LOGS/horizon.log"
}

cmd_down() {
	if ! running; then
		rm -f "$RUN/horizon.pid"
		return 0
	fi
	local pid i
	pid=$(pidfile_pid "$RUN/horizon.pid")
	log "stopping Horizon (pgid $pid)"
	kill -TERM -- "-$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		running || break
		sleep 0.1
	done
	if running; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
	rm -f "$RUN/horizon.pid"
}

cmd_status() {
	if running; then
		echo "horizon running (pid $(pidfile_pid "$RUN/horizon.pid")) at $URL"
	else
		echo "horizon stopped"
		return 1
	fi
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
