#!/usr/bin/env bash
# Builds the tiny test guest the VM tests boot under TCG: Debian's cloud kernel and an initrd with
# busybox-static and the virtio modules. The guest prints the block devices and network
# interfaces it sees on its serial console whenever they change, so that a test can read a
# hot-plug back, and runs busybox acpid so that system_powerdown really powers it off.
# Usage: build-guest.sh OUTDIR  ->  OUTDIR/vmlinuz, OUTDIR/initrd.img (kept when already there).
set -euo pipefail
out=${1:?usage: build-guest.sh OUTDIR}
# The cache is keyed on this script: editing the guest rebuilds it.
stamp=$(sha256sum <"$0" | cut -d' ' -f1)
mkdir -p "$out"
# Several VM tests start at once under ctest -j; one builds, the others wait for it and then find
# the guest ready (two concurrent builds made one of them fail in CI).
exec 9>"$out/.lock"
flock -w 600 9
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
work=$(mktemp -d "$out/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# The metapackage names the versioned image; download that one.
# (awk reads to the end: an early exit would SIGPIPE apt-cache and fail the pipeline.)
image=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ && !n {print $2; n=1}')
if [ -z "$image" ]; then echo "build-guest: cannot resolve linux-image-cloud-amd64" >&2; exit 1; fi
# A mirror hiccup fails one download; try twice before giving up.
apt-get download -q "$image" busybox-static >/dev/null || { sleep 5; apt-get download -q "$image" busybox-static >/dev/null; }
mkdir x
for deb in ./*.deb; do dpkg-deb -x "$deb" x; done

kver=$(basename "$(find x/lib/modules -mindepth 1 -maxdepth 1 -type d -print -quit)")
mkdir -p root/bin root/sbin root/proc root/sys root/dev root/tmp root/modules root/etc/acpi/PWRF \
  root/var/log root/var/run  # acpid opens its log and pid file there, or exits
cp x/bin/busybox root/bin/busybox
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
         failover net_failover virtio_net button evdev; do
  f=$(find "x/lib/modules/$kver" -name "$m.ko*" | head -n1)
  if [ -z "$f" ]; then continue; fi  # built into this kernel
  case "$f" in
    *.xz) xz -dc "$f" >"root/modules/$m.ko" ;;
    *.zst) zstd -qdc "$f" >"root/modules/$m.ko" ;;
    *) cp "$f" "root/modules/$m.ko" ;;
  esac
  echo "$m" >>root/modules/order
done

cat >root/etc/acpi/PWRF/00000080 <<'ACPI'
#!/bin/busybox sh
echo "photon-guest: powerdown" >/dev/console
/bin/busybox poweroff -f
ACPI
chmod +x root/etc/acpi/PWRF/00000080

cat >root/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do insmod /modules/$m.ko; done
acpid -c /etc/acpi
echo "photon-guest: up"
last=""
while true; do
  s="block=$(ls /sys/block | tr '\n' ',') net=$(ls /sys/class/net | tr '\n' ',')"
  if [ "$s" != "$last" ]; then echo "photon-guest: $s"; last="$s"; fi
  sleep 0.2
done
INIT
chmod +x root/init

(cd root && find . | cpio -o -H newc --quiet | gzip -1) >initrd.img
cp x/boot/vmlinuz-* "$out/vmlinuz.tmp"
mv initrd.img "$out/initrd.img"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$stamp" >"$out/stamp"
