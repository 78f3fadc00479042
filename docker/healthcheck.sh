#!/bin/bash
# healthcheck.sh: exit 0 when the clrelu server in this container answers 200 on /v2/health/ready
# (installed as clrelu-healthcheck; bash's /dev/tcp keeps curl out of the image).
set -u
host=${CLRELU_HOST:-127.0.0.1}
case $host in 0.0.0.0 | :: | '[::]' | '') host=127.0.0.1 ;; esac
port=${CLRELU_PORT:-8000}
auth=""
if [ -n "${CLRELU_API_KEY:-}" ]; then
  auth="Authorization: Bearer ${CLRELU_API_KEY}"$'\r\n'
fi

exec 3<>"/dev/tcp/${host}/${port}" || exit 1
printf 'GET /v2/health/ready HTTP/1.0\r\nHost: %s\r\n%sConnection: close\r\n\r\n' "$host" "$auth" >&3
IFS= read -r -t 4 status <&3 || exit 1
case $status in
  "HTTP/1."?" 200"*) exit 0 ;;
esac
echo "clrelu-healthcheck: ${status%$'\r'}" >&2
exit 1
