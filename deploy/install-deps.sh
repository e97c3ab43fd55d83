#!/usr/bin/env bash
# install-deps.sh — installs everything driftd needs to build, test and run its local Kafka broker,
# from Debian's packages. Runs apt-get only when something is missing (needs root or sudo).
set -euo pipefail

packages=(
    build-essential cmake pkg-config git
    clang-14 libclang-rt-14-dev          # the libFuzzer targets (DRIFTD_FUZZ=ON)
    librdkafka-dev libavro-dev libcurl4-openssl-dev libyaml-dev libmicrohttpd-dev libjansson-dev
    libssl-dev                           # HMAC-SHA256 signatures of webhook alerts
    libxxhash-dev                        # XXH3, the one hash for category values
    zlib1g-dev libsnappy-dev libzstd-dev # Avro object container block codecs
    chromium                             # renders the HTML report in tests (label browser)
    libcmocka-dev
    python3 python3-venv python3-pip     # oracle tests only, in a venv (deploy/python-venv.sh)
    maven openjdk-17-jre-headless        # the local Kafka broker (deploy/kafka.sh)
    openssl                              # its test certificates (kafka.sh start --sasl-ssl)
    prometheus-alertmanager              # the Alertmanager the alert sink is tested against
    prometheus                           # promtool, which checks the /metrics page and deploy/prometheus
    systemd                              # systemd-analyze verify of deploy/systemd
    mmdebstrap podman                    # deploy/package.sh: a clean Debian root, the container image
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
