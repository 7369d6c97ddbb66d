# shellcheck shell=bash
# Thin curl clients for the e2e cloud's REST APIs, shared by cloud.sh and
# smoke.sh. Each openstack CLI call costs 1.5 s (9 s on a loaded 2-core
# machine) of Python start-up, which would swamp the timings being measured;
# curl costs milliseconds. Needs STATE set. The admin password is read from
# the environment by jq (never argv); the token lives in a 0600 header file
# passed to curl with -H @file, so it never shows in a process list either.

API_KEYSTONE=${API_KEYSTONE:-http://127.0.0.1:15000/v3}
API_NOVA=${API_NOVA:-http://127.0.0.1:18774/v2.1}
API_NOVA_VERSION=${API_NOVA_VERSION:-2.53}

# api_login: an admin token in $STATE/run/token.hdr, reused for 6 hours.
api_login() {
	local hdr=$STATE/run/token.hdr tok
	if [ -s "$hdr" ] && [ -z "$(find "$hdr" -mmin +360)" ]; then
		return 0
	fi
	tok=$(
		# shellcheck disable=SC1091
		. "$STATE/openrc"
		export OS_USERNAME OS_PASSWORD OS_PROJECT_NAME
		jq -n '{auth: {identity: {methods: ["password"], password: {user: {name: $ENV.OS_USERNAME,
			domain: {name: "Default"}, password: $ENV.OS_PASSWORD}}},
			scope: {project: {name: $ENV.OS_PROJECT_NAME, domain: {name: "Default"}}}}}' |
			curl -sS -m 60 -D - -o /dev/null -H 'Content-Type: application/json' --data-binary @- \
				"$API_KEYSTONE/auth/tokens" | tr -d '\r' | awk 'tolower($1) == "x-subject-token:" { print $2 }'
	)
	[ -n "$tok" ] || {
		echo "api_login: Keystone issued no token" >&2
		return 1
	}
	(umask 077 && printf 'X-Auth-Token: %s\n' "$tok" >"$hdr")
}

# api METHOD URL [JSON_BODY]: prints the response body; fails (printing the
# body to stderr) on HTTP >= 400. A 401 refreshes the token once.
api() {
	local method=$1 url=$2 body=${3:-} out code try
	out=$(mktemp)
	for try in 1 2; do
		api_login || return 1
		local args=(-sS -m 120 -o "$out" -w '%{http_code}' -X "$method" -H @"$STATE/run/token.hdr"
			-H 'Content-Type: application/json' -H 'Accept: application/json'
			-H "OpenStack-API-Version: compute $API_NOVA_VERSION")
		if [ -n "$body" ]; then args+=(--data-binary "$body"); fi
		code=$(curl "${args[@]}" "$url") || code=000
		if [ "$code" = 401 ] && [ "$try" = 1 ]; then
			rm -f "$STATE/run/token.hdr"
			continue
		fi
		break
	done
	if [ "$code" -ge 400 ] || [ "$code" = 000 ]; then
		echo "api: $method $url -> HTTP $code: $(head -c 600 "$out")" >&2
		rm -f "$out"
		return 1
	fi
	cat "$out"
	rm -f "$out"
}

nova() { # nova METHOD PATH [JSON_BODY]
	api "$1" "$API_NOVA$2" "${3:-}"
}

# nova_unforce SERVICE_ID SECONDS: lifts a nova-compute's forced-down flag and
# enables it. Nova refuses (HTTP 400) while `done` evacuation migrations
# remain on the host, until its restarted nova-compute has cleaned them up
# (they become `completed`), so this retries for up to SECONDS.
nova_unforce() {
	local id=$1 secs=$2 t0
	t0=$(date +%s)
	until nova PUT "/os-services/$id" '{"forced_down": false, "status": "enabled"}' >/dev/null 2>"$STATE/run/unforce.err"; do
		if [ $(($(date +%s) - t0)) -ge "$secs" ]; then
			cat "$STATE/run/unforce.err" >&2
			return 1
		fi
		sleep 1
	done
}
