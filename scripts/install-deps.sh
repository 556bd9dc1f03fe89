#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing. Usage: install-deps.sh run|test|docker
set -euo pipefail

packages=(libzmq3-dev libsqlite3-dev libcurl4-openssl-dev)
if [ "${1:-run}" = "docker" ]; then
  # make image, up and test-compose: the engine, compose and debootstrap for the offline base image.
  packages+=(docker.io docker-compose debootstrap)
fi
if [ "${1:-run}" = "test" ]; then
  # The compose file is validated by the tests with Debian's docker-compose.
  packages+=(docker-compose)
  # The feed-polling tests serve feeds from a small Python HTTP server.
  command -v python3 >/dev/null || packages+=(python3)
  # The web console is tested in a real browser: Chromium driven through chromedriver by Selenium.
  packages+=(chromium chromium-driver)
  # A stream follower in the shutdown test, and the README's examples.
  packages+=(curl)
  # The e-mail tests make a certificate for their SMTP server.
  packages+=(openssl)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-run}" = "test" ]; then
  # From PyPI: the gateway's contract test validates every response against docs/openapi.yaml
  # (jsonschema, pyyaml), the console test drives Chromium (selenium), and the metrics test parses
  # every process's /metrics with Prometheus's own parser (prometheus-client).
  # aiosmtpd is the real SMTP server the e-mail tests send to.
  if ! python3 -c "import jsonschema, yaml, selenium, prometheus_client, aiosmtpd" 2>/dev/null; then
    echo "==> installing jsonschema, pyyaml, selenium, prometheus-client and aiosmtpd for python3"
    python3 -m pip install -q --disable-pip-version-check jsonschema pyyaml selenium prometheus-client aiosmtpd
  fi
fi

if ! command -v swift >/dev/null; then
  echo "error: no Swift toolchain on PATH; install Swift 6.2 or newer from swift.org and run make again" >&2
  exit 1
fi
# Swift Build (--build-system swiftbuild, which the Makefile uses) came with Swift 6.2.
swift_version=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p' | head -1)
read -r swift_major swift_minor <<< "${swift_version:-0 0}"
if [ "$swift_major" -lt 6 ] || { [ "$swift_major" -eq 6 ] && [ "$swift_minor" -lt 2 ]; }; then
  echo "error: Swift ${swift_major}.${swift_minor} is on PATH ($(command -v swift)); this project builds with Swift Build, which needs Swift 6.2 or newer: install it from swift.org and run make again" >&2
  exit 1
fi
