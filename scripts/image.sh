#!/usr/bin/env bash
# make image: the service image, built without a registry. The base is Debian bookworm made with
# debootstrap (runtime packages included) and imported into the local engine once; the release
# binaries are linked with the Swift runtime statically, so the image needs no toolchain.
set -euo pipefail

IMAGE=${IMAGE:-news-pipeline:latest}
BASE=${IMAGE_BASE:-news-pipeline-base:bookworm}
CONTEXT=${IMAGE_CONTEXT:-.build-image/context}
RUNTIME_PACKAGES=libzmq5,libsqlite3-0,libcurl4,libxml2,ca-certificates

scripts/dockerd.sh start

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  # The mirror this machine's apt uses (deb822 or one-line sources).
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d /tmp/news-base-XXXXXX)
  echo "==> debootstrap bookworm from $mirror (with $RUNTIME_PACKAGES)"
  debootstrap --variant=minbase --include="$RUNTIME_PACKAGES" bookworm "$root" "$mirror" >/tmp/news-debootstrap.log 2>&1 \
    || { tail -20 /tmp/news-debootstrap.log >&2; rm -rf "$root"; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  echo "==> importing the base as $BASE"
  tar -C "$root" -c . | docker import - "$BASE" >/dev/null
  rm -rf "$root"
fi

[ "${1:-}" = "base" ] && exit 0  # scripts/image.sh base: only the base image

echo "==> release binaries with the Swift runtime linked statically"
# The native build system in a scratch directory of its own: it takes --static-swift-stdlib.
# (Product by product: building everything would include the libFuzzer target, which needs the sanitizer.)
for product in ingest tag index notify newsctl gateway; do
  swift build -c release --scratch-path .build-image/swift --static-swift-stdlib --disable-index-store --product "$product" 2>&1 \
    | grep -E "error:|Build complete" || true
done
bin=$(swift build -c release --scratch-path .build-image/swift --show-bin-path)

rm -rf "$CONTEXT"
mkdir -p "$CONTEXT/bin"
cp "$bin"/ingest "$bin"/tag "$bin"/index "$bin"/notify "$bin"/newsctl "$bin"/gateway "$CONTEXT/bin/"
cp -R "$bin"/*.resources "$CONTEXT/bin/"
# Debug symbols make each binary about 110 MB; the image ships them stripped.
if command -v strip >/dev/null; then strip --strip-unneeded "$CONTEXT"/bin/{ingest,tag,index,notify,newsctl,gateway}; fi
echo "==> building $IMAGE on $BASE"
docker build -q -f deploy/Dockerfile --build-arg BASE="$BASE" -t "$IMAGE" "$CONTEXT"
