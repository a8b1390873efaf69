#!/usr/bin/env bash
# Installs what building the Kafka client (@confluentinc/kafka-javascript, librdkafka) from source
# needs, when it is missing: Debian's zlib, OpenSSL, zstd, curl, SASL and lz4 headers and
# pkg-config. Only needed where npm cannot download the client's prebuilt binary (no internet
# beyond the package registries), and only for the distributed roles: embedded Vantage runs
# without the client.
set -euo pipefail
packages=(zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev pkg-config)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
echo "installing ${missing[*]} (for the Kafka client's native build)" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
