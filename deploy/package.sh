#!/usr/bin/env bash
# package.sh — builds driftd's Debian package and container image, and smoke-tests both in
# clean Debian roots made from Debian's archive (README, "Deploying"; ctest deploy_package runs
# it). Needs root (mmdebstrap, podman) and Debian's archive; no container registry.
#
#   bash deploy/package.sh            package + image
#   bash deploy/package.sh package    the .deb and its test only
#
# Output in build-package/: driftd_<version>_amd64.deb, and the image localhost/driftd:<version>.
# The package test installs the .deb with apt into a fresh bookworm root (its dependencies from
# Debian's archive, nothing from the build tree) and runs there: driftd --version, driftd demo,
# config check of the example, and checks the user, /etc/driftd, the unit and the man page.
# The image test builds deploy/container/Containerfile on a base imported from such a root; its
# last stage runs driftd --version, driftd demo and config check inside the image.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
what=${1:-all}
out=$root/build-package
mkdir -p "$out"
step() { printf '\n== package.sh: %s ==\n' "$*"; }
fail() { printf 'package.sh: %s\n' "$*" >&2; exit 1; }

step "dependencies"
bash deploy/install-deps.sh >/dev/null || fail "installing dependencies failed"
for tool in mmdebstrap podman cpack dpkg-deb; do
    command -v "$tool" >/dev/null || fail "no $tool (deploy/install-deps.sh installs it)"
done

step "build and package"
cmake -S . -B "$out/build" -DCMAKE_BUILD_TYPE=Release -DDRIFTD_BUILD_TESTS=OFF -DDRIFTD_WERROR=ON \
    >"$out/configure.log" 2>&1 || { tail -n 20 "$out/configure.log"; fail "configure failed"; }
cmake --build "$out/build" -j "$(nproc)" --target driftd driftd_man >"$out/build.log" 2>&1 ||
    { tail -n 30 "$out/build.log"; fail "build failed"; }
rm -f "$out"/build/driftd_*.deb
(cd "$out/build" && cpack --config CPackConfig.cmake) >"$out/cpack.log" 2>&1 ||
    { tail -n 20 "$out/cpack.log"; fail "cpack failed"; }
deb=$(ls "$out"/build/driftd_*_amd64.deb)
cp "$deb" "$out/"
deb=$out/$(basename "$deb")
version=$(dpkg-deb -f "$deb" Version)
echo "package: $deb"
dpkg-deb -f "$deb" Depends

step "the package in a clean Debian 12 root"
# The checks run inside the root (mmdebstrap's customize hooks), as root and as the user driftd.
checks='set -e
driftd --version
test "$(getent passwd driftd | cut -d: -f7)" = /usr/sbin/nologin
test -d /etc/driftd && test "$(stat -c %G /etc/driftd)" = driftd
test -f /usr/lib/systemd/system/driftd@.service || test -f /lib/systemd/system/driftd@.service
test -f /usr/share/man/man1/driftd.1.gz && test -f /usr/share/driftd/driftd-rules.yaml
if ldd /usr/bin/driftd | grep -E "not found|/build|/work/"; then echo "libraries missing or from a build tree"; exit 1; fi
driftd config check /usr/share/doc/driftd/examples/driftd.yaml
cd /tmp && su -s /bin/sh driftd -c "driftd demo" | tail -n 4
echo "package smoke test: passed"'
mmdebstrap --variant=apt --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
    --include="$deb" --customize-hook="chroot \"\$1\" sh -c '$checks'" \
    bookworm "$out/package-root.tar" >"$out/package-test.log" 2>&1 ||
    { tail -n 40 "$out/package-test.log"; fail "the package test failed (log: $out/package-test.log)"; }
grep -E '^driftd [0-9]|consumed|drift was raised|every field|smoke test' "$out/package-test.log"
rm -f "$out/package-root.tar"
[ "$what" = package ] && exit 0

step "the container image (podman build --isolation chroot, base from Debian's archive)"
base=localhost/driftd-base:bookworm
if ! podman image exists "$base"; then
    mmdebstrap --variant=apt bookworm "$out/base.tar" >"$out/base.log" 2>&1 ||
        { tail -n 20 "$out/base.log"; fail "making the base root failed"; }
    podman import "$out/base.tar" "$base" >/dev/null
    rm -f "$out/base.tar"
fi
# Docker's image format: OCI's has no HEALTHCHECK.
podman build --isolation chroot --format docker --build-arg BASE="$base" \
    -f deploy/container/Containerfile --target smoke -t localhost/driftd-smoke:"$version" . >"$out/image.log" 2>&1 ||
    { tail -n 40 "$out/image.log"; fail "the image build or its smoke stage failed (log: $out/image.log)"; }
grep -E '^driftd [0-9]|consumed|drift was raised|: ok \(' "$out/image.log"
podman build --isolation chroot --format docker --build-arg BASE="$base" \
    -f deploy/container/Containerfile --target runtime -t localhost/driftd:"$version" . >>"$out/image.log" 2>&1 ||
    fail "tagging the runtime image failed"
config=$(podman image inspect localhost/driftd:"$version" --format \
    'user={{.Config.User}} ports={{.Config.ExposedPorts}} volumes={{.Config.Volumes}} entrypoint={{.Config.Entrypoint}} healthcheck={{.Config.Healthcheck}}')
echo "image localhost/driftd:$version: $config"
for want in 'user=10001:10001' 'ports=map[9464/tcp:{}]' 'volumes=map[/var/lib/driftd:{}]' \
        'entrypoint=[/usr/bin/driftd]' 'healthz'; do
    grep -qF -- "$want" <<<"$config" || fail "the image lacks $want"
done
podman image prune -f >/dev/null 2>&1 || true # the build stages left untagged
echo "package.sh: the package and the image passed their smoke tests"
