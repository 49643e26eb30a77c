#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the .deb and the .rpm (CPack) and checks them. Usage:
#   scripts/package.sh [--no-build] [--out DIR] [BUILD_DIR]
# BUILD_DIR defaults to build/ (the Release build scripts/build.sh and scripts/test.sh make);
# vpcprobe is built there first unless --no-build. Packages go to BUILD_DIR/packages (or --out DIR).
#
# The checks: the package metadata and contents (binary, man page, conffile, units, sysusers.d
# and tmpfiles.d entries, alert and fleet rules, the Grafana dashboard); the man page renders
# with man and groff without a warning; the .deb installs, runs its maintainer scripts and
# purges cleanly; the installed `vpcprobe --version` runs; `systemd-analyze verify` accepts
# the installed units; and `systemd-analyze security --offline=true` rates each service 2.0 or
# better. For the .rpm: its file list, %config(noreplace), automatic Requires and scriptlets,
# and that its binary, units and man page are the .deb's.
#
# The .deb is installed into a throwaway root (dpkg --root with its own database, maintainer
# scripts run outside a chroot with DPKG_ROOT set, which they honour), never into this
# machine: the same script runs in CI and on a developer's machine, and a developer's system
# must not change under them. That the .deb's Depends are satisfied by this machine is checked
# against its dpkg database instead.
#
# Exits 0 when every check passes; otherwise prints "package: FAILED: <what>" and exits 1
# (2 for a usage error, 3 when a needed tool is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "package: FAILED: $*" >&2; exit 1; }
note() { echo "package: $*"; }

build=1
dir=build
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --out) [ $# -ge 2 ] || { echo "usage: $0 [--no-build] [--out DIR] [BUILD_DIR]" >&2; exit 2; }
           out=$2; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    -*) echo "package: unknown option $1" >&2; exit 2 ;;
    *) dir=$1 ;;
  esac
  shift
done

for tool in cmake cpack dpkg dpkg-deb rpm rpmbuild rpm2archive systemd-analyze man groff gzip file; do
  command -v "$tool" >/dev/null ||
    { echo "package: $tool is missing; run scripts/install-deps.sh" >&2; exit 3; }
done

# --- build ----------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVPCPROBE_WERROR=ON >/dev/null
  fi
  cmake --build "$dir" --target vpcprobe -j "$(nproc)"
fi
[ -f "$dir/CPackConfig.cmake" ] || fail "$dir/CPackConfig.cmake is missing (configure $dir first)"
[ -x "$dir/vpcprobe" ] || fail "$dir/vpcprobe is missing (build it first)"
grep -q '^VPCPROBE_SANITIZE:BOOL=ON' "$dir/CMakeCache.txt" &&
  fail "$dir is a sanitizer build; packages are made from a plain one (e.g. build/)"
dir=$(cd "$dir" && pwd)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$dir/CMakeCache.txt")
[ -n "$version" ] || fail "no CMAKE_PROJECT_VERSION in $dir/CMakeCache.txt"

# --- cpack ----------------------------------------------------------------------------------
out=${out:-$dir/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/_CPack_Packages" "$out"/*.deb "$out"/*.rpm
for generator in DEB RPM; do
  if ! (cd "$dir" && cpack -G "$generator" -B "$out") >"$out/cpack-$generator.log" 2>&1; then
    cat "$out/cpack-$generator.log" >&2
    fail "cpack -G $generator (log: $out/cpack-$generator.log)"
  fi
done
rm -rf "$out/_CPack_Packages"
deb=$out/vpcprobe_${version}-1_$(dpkg --print-architecture).deb
rpm_file=$(find "$out" -maxdepth 1 -name "vpcprobe-$version-1.*.rpm" | head -1)
[ -f "$deb" ] || fail "cpack made no $deb"
[ -n "$rpm_file" ] || fail "cpack made no vpcprobe-$version-1.*.rpm in $out"
note "built $(basename "$deb") and $(basename "$rpm_file") in $out"

work=$(mktemp -d /tmp/vpcprobe-package.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Every file both packages must hold (paths without the leading "/" or ".").
expected=(
  /usr/bin/vpcprobe
  /usr/share/man/man1/vpcprobe.1.gz
  /etc/vpcprobe/vpcprobe.toml
  /usr/lib/systemd/system/vpcprobe.service
  /usr/lib/systemd/system/vpcprobe-check.service
  /usr/lib/systemd/system/vpcprobe-check.timer
  /usr/lib/sysusers.d/vpcprobe.conf
  /usr/lib/tmpfiles.d/vpcprobe.conf
  /usr/share/vpcprobe/prometheus/vpcprobe-alerts.yml
  /usr/share/vpcprobe/prometheus/vpcprobe-fleet.yml
  /usr/share/vpcprobe/grafana/vpcprobe-fleet.json
  /usr/share/vpcprobe/grafana/vpcprobe-dashboards.yml
  /usr/share/doc/vpcprobe/README.md
  /usr/share/doc/vpcprobe/LICENSE
  /usr/share/doc/vpcprobe/copyright
)
services=(vpcprobe.service vpcprobe-check.service)
units=("${services[@]}" vpcprobe-check.timer)

# --- .deb: metadata and contents ------------------------------------------------------------
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = vpcprobe ] || fail ".deb Package is '$(field Package)'"
[ "$(field Version)" = "$version-1" ] || fail ".deb Version is '$(field Version)', want $version-1"
for f in Maintainer Description Homepage Section; do
  [ -n "$(field "$f")" ] || fail ".deb has no $f field"
done
depends=$(field Depends)
for lib in libc6 libssl3 libc-ares2 libstdc++6; do
  [[ "$depends" == *"$lib "* ]] ||
    fail ".deb Depends lacks $lib (dpkg-shlibdeps did not run?): $depends"
done
dpkg-deb --info "$deb" conffiles >"$work/conffiles" 2>/dev/null || fail ".deb has no conffiles"
grep -qx /etc/vpcprobe/vpcprobe.toml "$work/conffiles" ||
  fail ".deb conffiles does not list /etc/vpcprobe/vpcprobe.toml: $(cat "$work/conffiles")"
for script in postinst prerm postrm; do
  dpkg-deb --info "$deb" "$script" >/dev/null 2>&1 || fail ".deb has no $script"
done
dpkg-deb --contents "$deb" | awk '{print substr($6, 2)}' >"$work/deb-files"
for path in "${expected[@]}"; do
  grep -qx "$path" "$work/deb-files" || fail ".deb lacks $path"
done
unstripped=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/vpcprobe | file - )
[[ "$unstripped" == *", stripped"* ]] || fail ".deb's vpcprobe is not stripped: $unstripped"
note ".deb metadata and contents ok (Depends: $depends)"

# Depends: every package named must be installed here in a version that satisfies it (the
# binary was linked against this machine's libraries, so anything else is a packaging bug).
IFS=',' read -ra clauses <<<"$depends"
for clause in "${clauses[@]}"; do
  clause=$(echo "$clause" | sed 's/^ *//; s/ *$//')
  satisfied=0
  IFS='|' read -ra alternatives <<<"$clause"
  for alternative in "${alternatives[@]}"; do
    read -r name op ver <<<"$(echo "$alternative" | sed -E 's/^ *([^ (]+) *(\((<<|<=|=|>=|>>) *([^)]+)\))? *$/\1 \3 \4/')"
    installed=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
    [[ "$installed" == "install ok installed "* ]] || continue
    if [ -z "${op:-}" ] || dpkg --compare-versions "${installed##* }" "$op" "$ver"; then
      satisfied=1
    fi
  done
  [ "$satisfied" = 1 ] || fail ".deb dependency '$clause' is not satisfied on this machine"
done

# --- man page ------------------------------------------------------------------------------
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/man/man1/vpcprobe.1.gz >"$work/vpcprobe.1.gz"
gzip -t "$work/vpcprobe.1.gz" || fail "the man page is not a valid gzip file"
zcat "$work/vpcprobe.1.gz" | grep -q "^\.TH VPCPROBE 1 .*\"vpcprobe $version\"" ||
  fail "the man page's .TH line does not carry version $version"
for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
  zcat "$work/vpcprobe.1.gz" | grep -q "^\.SH \"\{0,1\}$section\"\{0,1\}$" ||
    fail "the man page has no $section section"
done
zcat "$work/vpcprobe.1.gz" >"$work/vpcprobe.1"
for width in 65 80 100; do
  warnings=$(groff -man -Tutf8 -ww -z -rLL=${width}n "$work/vpcprobe.1" 2>&1 || echo "groff failed")
  [ -z "$warnings" ] || fail "groff -man -ww (line length $width) warns: $warnings"
done
warnings=$(MANWIDTH=80 man -l "$work/vpcprobe.1.gz" 2>&1 >"$work/man.txt" || echo "man failed")
[ -z "$warnings" ] || fail "man -l warns: $warnings"
grep -q "vpcprobe-check.timer" "$work/man.txt" || fail "man -l rendered no FILES section text"
note "man page ok (renders without a warning)"

# --- .deb: install into a throwaway root, run, verify units, purge ---------------------------
root=$work/root
admin=$root/var/lib/dpkg
mkdir -p "$admin/info" "$admin/updates" "$admin/triggers"
touch "$admin/status" "$admin/available"
dpkg_root=(dpkg --root="$root" --admindir="$admin" --log=/dev/null
           --force-script-chrootless --force-depends --force-not-root)
if ! "${dpkg_root[@]}" -i "$deb" >"$work/dpkg-install.log" 2>&1; then
  cat "$work/dpkg-install.log" >&2
  fail "dpkg -i into a throwaway root"
fi
status=$(dpkg-query --admindir="$admin" -W -f='${Status}' vpcprobe)
[ "$status" = "install ok installed" ] || fail "after dpkg -i the package is '$status'"
dpkg-query --admindir="$admin" -W -f='${Conffiles}' vpcprobe |
  grep -q "/etc/vpcprobe/vpcprobe.toml " || fail "dpkg did not register the conffile"
for path in "${expected[@]}"; do
  [ -e "$root$path" ] || fail "the installed root lacks $path"
done
got=$("$root/usr/bin/vpcprobe" --version 2>&1) || fail "installed vpcprobe --version: $got"
[ "$got" = "vpcprobe $version" ] || fail "installed vpcprobe --version says '$got', want 'vpcprobe $version'"
# postinst, run with DPKG_ROOT: the user (when this machine has systemd-sysusers) and the
# textfile directory.
if command -v systemd-sysusers >/dev/null; then
  grep -q '^vpcprobe:' "$root/etc/passwd" 2>/dev/null || fail "postinst created no vpcprobe user"
fi
if command -v systemd-tmpfiles >/dev/null; then
  [ -d "$root/var/lib/node_exporter/textfile_collector" ] ||
    fail "postinst created no /var/lib/node_exporter/textfile_collector"
fi
note "installed into a throwaway root: $got"

# systemd-analyze verify needs what the units refer to inside the root: the binary (there),
# /bin/kill (ExecReload) and systemd's own units (sysinit.target, ...), copied from this
# machine without overwriting anything of ours.
unit_dir=$root/usr/lib/systemd/system
cp -an /usr/lib/systemd/system/. "$unit_dir/"
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"
kill_path=$(type -P kill) || fail "no kill program on this machine (procps)"
[ -e "$root/usr/bin/kill" ] || cp "$kill_path" "$root/usr/bin/kill"
unit_paths=()
for unit in "${units[@]}"; do unit_paths+=("$unit_dir/$unit"); done
# Documentation=man:vpcprobe(1) is checked above (man -l); --man=no because systemd-analyze
# looks the page up on this machine, not in the root.
if ! verify=$(systemd-analyze verify --root="$root" --man=no "${unit_paths[@]}" 2>&1) ||
   [ -n "$verify" ]; then
  fail "systemd-analyze verify: ${verify:-non-zero exit}"
fi
note "systemd-analyze verify: ${units[*]} ok"
for service in "${services[@]}"; do
  # Exposure is 0.0 (best) .. 10.0; --threshold counts tenths.
  set +e
  security=$(systemd-analyze security --offline=true --root="$root" --threshold=20 \
             --no-pager "$unit_dir/$service" 2>&1)
  rc=$?
  set -e
  level=$(echo "$security" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if [ -z "$level" ] || [ "$rc" -ne 0 ] ||
     ! awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
    echo "$security" | grep -v '^✓' >&2
    fail "systemd-analyze security rates $service ${level:-?} (want 2.0 or better, exit $rc)"
  fi
  note "systemd-analyze security: $service exposure $level (2.0 or better required)"
done

if ! "${dpkg_root[@]}" --purge vpcprobe >"$work/dpkg-purge.log" 2>&1; then
  cat "$work/dpkg-purge.log" >&2
  fail "dpkg --purge in the throwaway root"
fi
for path in "${expected[@]}"; do
  [ ! -e "$root$path" ] || fail "dpkg --purge left $path"
done
[ ! -e "$root/etc/vpcprobe" ] || fail "dpkg --purge left /etc/vpcprobe"
note "dpkg --purge removed every file"

# --- .rpm ------------------------------------------------------------------------------------
rpmq() { rpm -qp --nosignature "$@" "$rpm_file" 2>/dev/null; }
[ "$(rpmq --queryformat '%{NAME} %{VERSION}-%{RELEASE}')" = "vpcprobe $version-1" ] ||
  fail ".rpm is '$(rpmq --queryformat '%{NAME} %{VERSION}-%{RELEASE}')', want vpcprobe $version-1"
for tag in LICENSE URL SUMMARY DESCRIPTION; do
  [ -n "$(rpmq --queryformat "%{$tag}")" ] || fail ".rpm has no $tag"
done
[ "$(rpmq --queryformat '%{LICENSE}')" = "Apache-2.0" ] ||
  fail ".rpm License is '$(rpmq --queryformat '%{LICENSE}')', want Apache-2.0"
rpmq --queryformat '%{DESCRIPTION}' | grep -q "This is an installer created using CPack" &&
  fail ".rpm carries CPack's placeholder description"
rpmq -l >"$work/rpm-files"
for path in "${expected[@]}"; do
  grep -qx "$path" "$work/rpm-files" || fail ".rpm lacks $path"
done
for owned in /etc /usr/lib/systemd/system /usr/share/man/man1 /usr/bin; do
  grep -qx "$owned" "$work/rpm-files" && fail ".rpm claims the system's directory $owned"
done
rpmq --queryformat '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' >"$work/rpm-flags"
grep -qx 'cn /etc/vpcprobe/vpcprobe.toml' "$work/rpm-flags" ||
  fail ".rpm does not mark /etc/vpcprobe/vpcprobe.toml %config(noreplace): $(grep vpcprobe.toml "$work/rpm-flags")"
requires=$(rpmq --requires)
for lib in 'libc.so.6()(64bit)' 'libssl.so.3()(64bit)' 'libcares.so.2()(64bit)'; do
  grep -qxF "$lib" <<<"$requires" || fail ".rpm Requires lacks $lib (automatic requires off?)"
done
scripts=$(rpmq --scripts)
for scriptlet in postinstall preuninstall postuninstall; do
  grep -q "^$scriptlet scriptlet" <<<"$scripts" || fail ".rpm has no $scriptlet scriptlet"
done
mkdir "$work/rpm-root"
rpm2archive - <"$rpm_file" | tar -xz -C "$work/rpm-root" || fail "rpm2archive | tar: unpacking the .rpm"
got=$("$work/rpm-root/usr/bin/vpcprobe" --version 2>&1) || fail ".rpm's vpcprobe --version: $got"
[ "$got" = "vpcprobe $version" ] || fail ".rpm's vpcprobe --version says '$got'"
for path in "${expected[@]}"; do
  [ "$path" = /usr/bin/vpcprobe ] && continue  # stripped separately, same source
  cmp -s "$work/rpm-root$path" <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$path") ||
    fail ".rpm and .deb differ in $path"
done
note ".rpm ok: files, %config(noreplace), $(grep -c . <<<"$requires") automatic Requires, scriptlets"

note "all checks passed: $deb $rpm_file"
