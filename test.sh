#!/usr/bin/env bash
# Runs every alo test against real peers: redis-server, sipp (Debian
# sip-tester), socat (TLS in front of sipp), the PostgreSQL server binaries
# and headless chromium (the consoles' browser tests, with DejaVu fonts so
# Cyrillic and Kazakh letters render). As root with apt-get, it
# installs the ones that are missing; otherwise it names them and stops.
# Extra arguments go to `go test` (./test.sh -run TestServe ./e2e, or -race).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v baresip >/dev/null 2>&1 || missing+=(baresip-core)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)

if ((${#missing[@]} > 0)); then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "test.sh: installing ${missing[*]}" >&2
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
	else
		echo "test.sh: missing Debian packages: ${missing[*]}" >&2
		echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
fi

# Every test that needs one of these fails, rather than skips, without it.
export ALO_REQUIRE_POSTGRES=1 ALO_REQUIRE_TMPFS=1 ALO_REQUIRE_SIPP=1 ALO_REQUIRE_REDIS=1 ALO_REQUIRE_AUDIO=1 ALO_REQUIRE_BARESIP=1 ALO_REQUIRE_SOCAT=1 ALO_REQUIRE_CHROMIUM=1

go vet ./...
# Extra arguments are passed through; ./... is tested unless they name
# packages themselves (./e2e, ./dialer/...).
pkgs=(./...)
for a in "$@"; do
	if [[ $a == ./* || $a == github.com/* ]]; then pkgs=(); fi
done
# -parallel: the AMD corpus test plays its clips through sipp ten at a time.
go test -count=1 -timeout 20m -parallel 10 "${pkgs[@]}" "$@"
