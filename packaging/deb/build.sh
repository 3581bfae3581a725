#!/usr/bin/env bash
# Builds jcri_<version>_<arch>.deb from the distribution `mvn package` assembled: jlinks a Java
# runtime of its own from the build's JDK, lays out /usr/lib/jcri, /usr/bin/jcrid, /etc/jcri and
# the systemd unit, and packs it with dpkg-deb. `mvn package` runs it when dpkg-deb exists.
#   usage: build.sh DIST_DIR VERSION OUT_DIR     (JAVA_HOME: the JDK to jlink from)
set -euo pipefail
dist=$(cd "$1" && pwd)
version=$2
out=$(mkdir -p "$3" && cd "$3" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
jlink=${JAVA_HOME:?set JAVA_HOME to the JDK 25 to jlink from}/bin/jlink
arch=$(dpkg --print-architecture)

# What `jdeps --print-module-deps --ignore-missing-deps --multi-release 25 --class-path 'lib/*' lib/*.jar`
# prints for jcrid and its libraries (java.desktop: java.beans for Jackson, commons-compress, JNA).
# DebIT checks that this list still covers what jdeps finds.
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,jdk.httpserver,jdk.management,jdk.unsupported

root="$out/deb-root"
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/lib/jcri" "$root/usr/bin" "$root/etc/jcri" \
  "$root/lib/systemd/system" "$root/usr/share/doc/jcri"

"$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$root/usr/lib/jcri/runtime"
cp -r "$dist/bin" "$dist/lib" "$root/usr/lib/jcri/"
rm -f "$root/usr/lib/jcri/lib/jcrid.aot"   # built by postinst for the installed jars
chmod 755 "$root"/usr/lib/jcri/bin/*
ln -s ../lib/jcri/bin/jcrid "$root/usr/bin/jcrid"
cp "$dist/etc/jcri.toml" "$root/etc/jcri/jcri.toml"
sed -e 's|^ExecStart=/opt/jcri/bin/jcrid|ExecStart=/usr/bin/jcrid|' \
    -e 's|^Documentation=.*|Documentation=file:///usr/share/doc/jcri/README.md|' \
    "$dist/systemd/jcrid.service" > "$root/lib/systemd/system/jcrid.service"
grep -q '^ExecStart=/usr/bin/jcrid ' "$root/lib/systemd/system/jcrid.service"
[ -f "$dist/README.md" ] && cp "$dist/README.md" "$root/usr/share/doc/jcri/"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/control" > "$root/DEBIAN/control"
cp "$here/conffiles" "$root/DEBIAN/"
install -m 755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"

deb="$out/jcri_${version}_${arch}.deb"
dpkg-deb --build --root-owner-group -Zzstd "$root" "$deb" >/dev/null
rm -rf "$root"
echo "built $deb ($(du -h "$deb" | cut -f1))"
