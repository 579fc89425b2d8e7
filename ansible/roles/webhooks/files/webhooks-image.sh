#!/bin/sh
# The live release's image id (agrobridge-release status), written where
# agrobridge-webhooks.service reads it: the worker always starts in the image that serves.
set -eu
image=$(/usr/local/sbin/agrobridge-release status \
  | python3 -c 'import json, sys; print(json.load(sys.stdin).get("image", ""))')
if [ -z "$image" ]; then
  echo "no release is live on this host yet: the worker starts with the first deploy" >&2
  exit 1
fi
umask 022
printf 'AGROBRIDGE_IMAGE=%s\n' "$image" > /run/agrobridge-webhooks.env
