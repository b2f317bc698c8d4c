#!/bin/sh
# Assembles the runtime image's whole root filesystem in DEST, from the Dockerfile's build stage (Debian with
# Node 24, after `npm run build`, run in the build directory). The runtime stage is FROM scratch and copies DEST in.
#
#   /opt/podvisor       self-contained: its own Node binary (node_modules/node/bin/node, where bin/podvisor looks
#                       first), the bundle (dist/), koffi with the one prebuilt addon for this machine, the
#                       launcher and a package.json. It is also what an image without Node copies in (one COPY).
#   /usr/local/bin      node and podvisor, on PATH for the server and for `kubectl exec`.
#   /node_modules       podvisor -> /opt/podvisor: a server in /app that imports podvisor/server finds it by Node's
#                       own lookup (ESM ignores NODE_PATH), unless /app brings a podvisor of its own.
#   /usr/lib, /usr/bin  from Debian, only what runs: the shared libraries `ldd` names for Node, the addon and the
#                       tools, dash as /bin/sh (bin/podvisor is a shell script), and a few coreutils for RUN lines
#                       of derived images and for looking around in a running container.
#   /var/lib/dpkg/status.d  the Debian packages those files come from, so that image scanners see their versions.
set -eu
dest=${1:?usage: assemble-runtime.sh DEST}
fail() { echo "assemble-runtime: $*" >&2; exit 1; }
[ -f dist/podvisor.js ] || fail "dist/podvisor.js is missing: run it in the build directory after npm run build"

node_binary=$(readlink -f "$(command -v node)")
arch=$(node -p process.arch)
addon_package=node_modules/@koromix/koffi-linux-$arch
[ -f "$addon_package/linux_$arch/koffi.node" ] || fail "$addon_package/linux_$arch/koffi.node is missing (npm ci installs it)"

# --- /opt/podvisor
opt=$dest/opt/podvisor
mkdir -p "$opt/bin" "$opt/node_modules/node/bin" "$opt/node_modules/@koromix"
cp bin/podvisor "$opt/bin/podvisor"
cp -R dist "$opt/dist"
install -m 0755 "$node_binary" "$opt/node_modules/node/bin/node"
# Node reads "type" to load dist/ as ES modules, and "name" with "exports" to resolve podvisor/server.
node -e '
  const p = JSON.parse(require("fs").readFileSync("package.json", "utf8"));
  const keep = ["name", "version", "description", "license", "type", "engines", "bin", "exports"];
  process.stdout.write(JSON.stringify(Object.fromEntries(keep.filter((k) => k in p).map((k) => [k, p[k]])), null, 2) + "\n");
' > "$opt/package.json"
# koffi: its JavaScript and license (podvisor checks the addon's version against koffi's package.json, and falls
# back to koffi's entry point); not its C sources, headers or documents. The addon: glibc's only, this machine's.
cp -R node_modules/koffi "$opt/node_modules/koffi"
rm -rf "$opt/node_modules/koffi/vendor" "$opt/node_modules/koffi/cnoke.cjs"
find "$opt/node_modules/koffi" -type f ! -name '*.js' ! -name '*.cjs' ! -name package.json ! -name 'LICENSE*' -delete
find "$opt/node_modules/koffi" -depth -type d -empty -delete
cp -R "$addon_package" "$opt/node_modules/@koromix/"
rm -rf "$opt/node_modules/@koromix/koffi-linux-$arch/musl_$arch"

# --- the Debian part: top-level links as this system has them (usrmerge: /bin -> usr/bin, /lib -> usr/lib ...)
mkdir -p "$dest/usr/bin" "$dest/usr/lib" "$dest/usr/local/bin" "$dest/etc" "$dest/var/lib/dpkg/status.d" \
  "$dest/tmp" "$dest/app" "$dest/home/node" "$dest/root" "$dest/node_modules"
chmod 1777 "$dest/tmp"
for top in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$top" ]; then ln -s "$(readlink "/$top")" "$dest/$top"; mkdir -p "$dest/$(readlink -f "/$top")"; fi
done
ln -s ../../../opt/podvisor/node_modules/node/bin/node "$dest/usr/local/bin/node"
ln -s ../../../opt/podvisor/bin/podvisor "$dest/usr/local/bin/podvisor"
ln -s ../opt/podvisor "$dest/node_modules/podvisor"

# Copies a file under its canonical path in DEST (a library under the name ldd gives, dereferenced) and records
# the Debian package it belongs to (dpkg knows some files by their path before usrmerge: /bin/cat, /lib/...).
packages=""
owner() {
  for candidate in "$@" "${1#/usr}" "/usr$1"; do
    found=$(dpkg-query -S "$candidate" 2>/dev/null) && { echo "${found%%:*}"; return 0; }
  done
  return 0
}
take() {
  canonical="$(readlink -f "$(dirname "$1")")/$(basename "$1")"
  if [ -e "$dest$canonical" ]; then return 0; fi
  mkdir -p "$dest$(dirname "$canonical")"
  cp -L "$1" "$dest$canonical"
  package=$(owner "$canonical" "$1")
  case " $packages " in
    *" $package "*) ;;
    *) if [ -n "$package" ]; then packages="$packages $package"; fi ;;
  esac
}
libraries_of() { ldd "$1" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'; }

tools="cat chmod chown cp env head id ln ls mkdir mv readlink rm sleep tail touch"
take /bin/dash
ln -s dash "$dest$(readlink -f /bin)/sh"
for tool in $tools; do take "$(command -v "$tool")"; done
for binary in "$node_binary" "$addon_package/linux_$arch/koffi.node" /bin/dash $(for tool in $tools; do command -v "$tool"; done); do
  for library in $(libraries_of "$binary"); do take "$library"; done
done
for package in $packages; do dpkg-query --status "$package" > "$dest/var/lib/dpkg/status.d/$package"; done
cp /etc/os-release "$dest/etc/os-release" 2>/dev/null || cp /usr/lib/os-release "$dest/etc/os-release"

# Users (uid/gid 1000 `node`, as in the node image), and name lookups from files first.
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' > "$dest/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' > "$dest/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' > "$dest/etc/nsswitch.conf"

# The assembled root must run podvisor and load the addon the way podvisor does, before any image is made of it.
chroot "$dest" /usr/local/bin/podvisor --version >/dev/null || fail "podvisor --version fails in the assembled root"
chroot "$dest" /usr/local/bin/node -e "
  const { createRequire } = require('node:module');
  const require_ = createRequire('/opt/podvisor/dist/podvisor.js');
  require_('@koromix/koffi-linux-$arch/linux_$arch/koffi.node');
  require_('koffi');
" || fail "koffi does not load in the assembled root"
echo "assemble-runtime: $(du -sm "$dest" | cut -f1) MB in $dest (Debian packages:$packages)"
