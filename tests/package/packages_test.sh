#!/usr/bin/env bash
# The two Debian packages as an administrator meets them. Built from this
# tree, their control data and file lists checked, lintian's findings compared
# with the list in docs/installing.md, then installed with dpkg into a
# throwaway root where systemd really runs: systemd-nspawn boots an overlay
# of this machine's own root (writes go to a scratch directory) with a private
# network (loopback only). There the controller's first start, the units'
# verification and hardening, enrolling the installed agent, an upgrade that
# keeps edited configuration, removal and purge are checked.
#
#   packages_test.sh BUILD_DIR SOURCE_DIR
#
# Needs root, systemd-nspawn (systemd-container), lintian and overlayfs.
set -euo pipefail

if [ "${1:-}" != --private-mounts ]; then
  # Every mount below lives and dies in a mount namespace of its own.
  exec unshare --mount --propagation private "$0" --private-mounts "$@"
fi
shift
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (dpkg, mounts, systemd-nspawn)"
for tool in systemd-nspawn lintian dpkg-deb nsenter; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
done

work=$(mktemp -d /tmp/portcullis-packages-XXXXXX)
nspawn_pid=
cleanup() {
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null || true  # the container powers off
    for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
  fi
  umount -l "$work/root" 2>/dev/null || true
  rm -rf "$work" "${rev2:-}"
}
trap cleanup EXIT

# --- 1. Build ---------------------------------------------------------------
step "build: cmake --build $build --target package"
start=$(date +%s.%N)
cmake --build "$build" --target package >"$work/package.log" 2>&1 || { cat "$work/package.log"; fail "packaging"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
agent_deb="$build/portcullis-agent_${version}-1_${arch}.deb"
controller_deb="$build/portcullis-controller_${version}-1_${arch}.deb"
[ -f "$agent_deb" ] && [ -f "$controller_deb" ] || { ls "$build"/*.deb; fail "packages not where expected"; }
# The Kea hook's package comes with the hook, built when kea-dev is there.
kea_deb="$build/portcullis-kea-hook_${version}-1_${arch}.deb"
if [ -f "$build/controller/kea_hook/libportcullis_kea.so" ]; then
  [ -f "$kea_deb" ] || fail "the Kea hook is built but has no package"
else
  echo "NOTE: no Kea hook built (no kea-dev): portcullis-kea-hook is not checked" >&2
  kea_deb=
fi
# The same tree packaged again with the next Debian revision: the upgrade.
# (Under the build directory: the throwaway root's /tmp is its own.)
rev2="$build/package-test-rev2"
rm -rf "$rev2"
cpack --config "$build/CPackConfig.cmake" -B "$rev2" -D CPACK_DEBIAN_PACKAGE_RELEASE=2 >"$work/rev2.log" 2>&1 ||
  { cat "$work/rev2.log"; fail "packaging revision 2"; }
agent_deb2="$rev2/portcullis-agent_${version}-2_${arch}.deb"
controller_deb2="$rev2/portcullis-controller_${version}-2_${arch}.deb"
[ -f "$agent_deb2" ] && [ -f "$controller_deb2" ] || fail "revision 2 packages missing"
kea_deb2=${kea_deb:+$rev2/portcullis-kea-hook_${version}-2_${arch}.deb}
packages=(portcullis-agent portcullis-controller ${kea_deb:+portcullis-kea-hook})
printf 'built in %.1fs: %s (%s KiB), %s (%s KiB)\n' "$(awk "BEGIN {print $(date +%s.%N) - $start}")" \
  "$(basename "$agent_deb")" "$(($(stat -c %s "$agent_deb") / 1024))" \
  "$(basename "$controller_deb")" "$(($(stat -c %s "$controller_deb") / 1024))"

# --- 2. Control data and file lists -------------------------------------------
step "control data"
for deb in "$agent_deb" "$controller_deb"; do
  name=$(dpkg-deb -f "$deb" Package)
  expect_eq "$(dpkg-deb -f "$deb" Version)" "${version}-1" "$name version"
  expect_eq "$(dpkg-deb -f "$deb" Architecture)" "$arch" "$name architecture"
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "$name: Depends: $depends"
  # Computed from the binary by dpkg-shlibdeps: the libraries it links.
  for lib in libc6 libstdc++6 libssl3 libprotobuf libpocofoundation; do
    grep -q "$lib" <<<"$depends" || fail "$name does not depend on $lib"
  done
  [ -n "$(dpkg-deb -f "$deb" Description)" ] || fail "$name has no description"
  mkdir -p "$work/control/$name"
  dpkg-deb -e "$deb" "$work/control/$name"
  for script in postinst prerm postrm; do
    [ -x "$work/control/$name/$script" ] || fail "$name has no executable $script"
    sh -n "$work/control/$name/$script" || fail "$name $script is not valid sh"
  done
done
grep -q 'nftables' <<<"$(dpkg-deb -f "$agent_deb" Depends)" || fail "the agent must depend on nftables"
grep -q 'adduser' <<<"$(dpkg-deb -f "$controller_deb" Depends)" || fail "the controller must depend on adduser"
expect_eq "$(cat "$work/control/portcullis-agent/conffiles")" "/etc/portcullis/agent.conf" "agent conffiles"
expect_eq "$(cat "$work/control/portcullis-controller/conffiles")" \
  "$(printf '/etc/portcullis/controller.conf\n/etc/portcullis/policy.conf')" "controller conffiles"

step "file lists"
files_of() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print $6}' | sed 's#^\./#/#' | sort; }
expect_eq "$(files_of "$agent_deb")" "$(printf '%s\n' \
  /etc/portcullis/agent.conf \
  /lib/systemd/system/portcullis-agent.service \
  /usr/sbin/portcullis-agent \
  /usr/share/doc/portcullis-agent/changelog.Debian.gz \
  /usr/share/doc/portcullis-agent/copyright \
  /usr/share/man/man8/portcullis-agent.8.gz \
  /usr/share/portcullis-agent/udhcpc.script | sort)" "agent files"
expect_eq "$(files_of "$controller_deb")" "$(printf '%s\n' \
  /etc/portcullis/controller.conf \
  /etc/portcullis/policy.conf \
  /lib/systemd/system/portcullis-controller.service \
  /usr/sbin/portcullis-controller \
  /usr/share/doc/portcullis-controller/changelog.Debian.gz \
  /usr/share/doc/portcullis-controller/copyright \
  /usr/share/man/man8/portcullis-controller.8.gz | sort)" "controller files"
if [ -n "$kea_deb" ]; then
  expect_eq "$(files_of "$kea_deb")" "$(printf '%s\n' \
    /usr/lib/"$(dpkg-architecture -qDEB_HOST_MULTIARCH)"/kea/hooks/libportcullis_kea.so \
    /usr/share/doc/portcullis-kea-hook/changelog.Debian.gz \
    /usr/share/doc/portcullis-kea-hook/copyright \
    /usr/share/doc/portcullis-kea-hook/examples/kea-dhcp4.conf.example | sort)" "kea hook files"
  kea_depends=$(dpkg-deb -f "$kea_deb" Depends)
  echo "portcullis-kea-hook: Depends: $kea_depends"
  # Kea refuses a hook built for another version: pinned to this one's major.minor.
  grep -qE 'kea-dhcp4-server \(<< [0-9]+\.[0-9]+\)' <<<"$kea_depends" || fail "the Kea hook is not pinned to its Kea"
  grep -q 'kea-common' <<<"$kea_depends" || fail "no library dependency computed for the Kea hook"
fi
owners=$(dpkg-deb -c "$controller_deb" | awk '{print $2}' | sort -u)
expect_eq "$owners" root/root "owner of every file in the controller package"

# --- 3. lintian -----------------------------------------------------------------
step "lintian"
lintian --tag-display-limit 0 "$agent_deb" "$controller_deb" $kea_deb >"$work/lintian.txt" 2>&1 || true
cat "$work/lintian.txt"
reported=$(grep -E '^[EW]: ' "$work/lintian.txt" | awk '{sub(":", "", $2); print $2 " " $3}' | sort -u)
# docs/installing.md lists every warning that remains, one "- `tag` (package): why" line each.
listed=$(sed -n '/<!-- lintian-begin -->/,/<!-- lintian-end -->/p' "$source/docs/installing.md" |
  sed -n 's/^- `\([a-z0-9.+-]*\)` (\(portcullis-[a-z-]*\)).*/\2 \1/p' | sort -u)
expect_eq "$reported" "$listed" "lintian errors and warnings against the list in docs/installing.md"

# --- 4. A throwaway root with systemd -------------------------------------------
step "boot a throwaway root (overlay of / with a private network)"
mkdir -p "$work/upper" "$work/overlay-work" "$work/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/overlay-work" "$work/root"
# Nothing of the machine's own Portcullis may leak in.
rm -rf "$work/root/etc/portcullis" "$work/root/var/lib/portcullis"
# A build image may forbid maintainer scripts to start services; a real
# installation does not.
rm -f "$work/root/usr/sbin/policy-rc.d"
# The packages go in by copy: the build directory may be below /tmp, which the
# booted root mounts afresh.
mkdir -p "$work/root/srv/package-test"
cp "$agent_deb" "$controller_deb" "$agent_deb2" "$controller_deb2" $kea_deb $kea_deb2 "$work/root/srv/package-test/"
paths_in_root() { for deb in "$@"; do echo "/srv/package-test/$(basename "$deb")"; done; }
systemd-nspawn --quiet -D "$work/root" --boot --register=no --keep-unit --link-journal=no \
  --private-network --machine="portcullis-pkg-$$" --console=read-only -- systemd.unit=basic.target \
  >"$work/boot.log" 2>&1 &
nspawn_pid=$!
init_pid=
for _ in $(seq 1 100); do
  init_pid=$(pgrep -P "$nspawn_pid" -x systemd || true)
  [ -n "$init_pid" ] && break
  kill -0 "$nspawn_pid" 2>/dev/null || { cat "$work/boot.log"; fail "systemd-nspawn exited"; }
  sleep 0.1
done
[ -n "$init_pid" ] || { cat "$work/boot.log"; fail "no systemd in the container"; }
inside() { nsenter --target "$init_pid" --all --root --wd -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
state=
for _ in $(seq 1 300); do
  state=$(inside systemctl is-system-running 2>/dev/null || true)
  case "$state" in running | degraded) break ;; esac
  sleep 0.2
done
case "$state" in running | degraded) echo "systemd is $state in the throwaway root" ;;
  *) cat "$work/boot.log"; fail "systemd did not finish booting ($state)" ;; esac
# Retries a check for up to 30 seconds.
eventually() {
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  "$@"
}

# --- 5. Install ---------------------------------------------------------------
step "dpkg -i ${packages[*]}"
inside dpkg -i $(paths_in_root "$agent_deb" "$controller_deb" $kea_deb) </dev/null | tee "$work/install.log"
grep -q 'portcullis-agent: not enrolled yet' "$work/install.log" || fail "the agent's postinst did not say how to enroll"
eventually inside systemctl is-active --quiet portcullis-controller.service ||
  { inside journalctl -u portcullis-controller --no-pager; fail "the controller did not start"; }
inside getent passwd portcullis >/dev/null || fail "no portcullis user"
main_pid=$(inside systemctl show -P MainPID portcullis-controller.service)
expect_eq "$(inside stat -c %U "/proc/$main_pid")" portcullis "the controller's user"
caps=$(inside grep CapEff "/proc/$main_pid/status" | awk '{print $2}')
# NET_ADMIN (12), NET_RAW (13), NET_BIND_SERVICE (10): 0x3400 and nothing else.
expect_eq "$caps" 0000000000003400 "the controller's effective capabilities"
journal=$(inside journalctl -u portcullis-controller.service --no-pager -o cat)
echo "$journal" | sed -n '/Controller initialised/,/systemctl restart portcullis-agent/p'
grep -q 'To enroll an agent' <<<"$journal" || fail "the first start did not say how to enroll an agent"
grep -q 'ENROLL_WITH ca_sha256=' <<<"$journal" || fail "the start did not log the CA fingerprint"
expect_eq "$(inside stat -c '%U %a' /var/lib/portcullis/controller/private/ca.key)" "portcullis 600" "CA key"
expect_eq "$(inside systemctl is-enabled portcullis-agent.service)" enabled "agent unit enablement"
expect_eq "$(inside systemctl show -P ConditionResult portcullis-agent.service)" no \
  "the agent waits for its enrollment (condition)"

if [ -n "$kea_deb" ]; then
  step "kea-dhcp4 loads the installed hook with the shipped example"
  inside sh -c 'zcat -f /usr/share/doc/portcullis-kea-hook/examples/kea-dhcp4.conf.example |
    sed -e "s/\"eth1\"/\"lo\"/" -e "s#/var/lib/kea/kea-leases4.csv#/tmp/kea-leases4.csv#" > /tmp/kea-dhcp4.conf'
  # Without the shared key the hook refuses to load, so Kea does not start
  # (kea-dhcp4 -t does not call a hook's load: start it for real).
  inside env KEA_PIDFILE_DIR=/tmp KEA_LOCKFILE_DIR=/tmp timeout 20 kea-dhcp4 -c /tmp/kea-dhcp4.conf \
    >"$work/kea-nokey.txt" 2>&1 && fail "kea-dhcp4 ran without the hook's key"
  grep -q "portcullis hook: cannot use the key in /etc/kea/portcullis-kea.key" "$work/kea-nokey.txt" ||
    { cat "$work/kea-nokey.txt"; fail "the hook did not say why it refused to load"; }
  grep -o "HOOKS_LOAD_ERROR" "$work/kea-nokey.txt" | head -1
  inside sh -c 'mkdir -p /etc/kea && head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n" > /etc/kea/portcullis-kea.key'
  inside kea-dhcp4 -t /tmp/kea-dhcp4.conf >"$work/kea.txt" 2>&1 || { cat "$work/kea.txt"; fail "kea-dhcp4 -t"; }
  grep -o 'HOOKS_LIBRARY_CLOSED hooks library [^ ]*' "$work/kea.txt" || fail "kea-dhcp4 did not load the hook"
  grep -q "/usr/lib/.*/kea/hooks/libportcullis_kea.so" "$work/kea.txt" || fail "not the installed hook"
  inside rm -f /etc/kea/portcullis-kea.key  # the operator's copy, not the package's
fi

step "systemd-analyze verify and security"
inside systemd-analyze verify /lib/systemd/system/portcullis-controller.service \
  /lib/systemd/system/portcullis-agent.service 2>&1 | tee "$work/verify.txt"
if grep -qi portcullis "$work/verify.txt"; then fail "systemd-analyze verify found problems in the units"; fi
for unit in controller agent; do
  exposure=$(inside systemd-analyze security --no-pager "portcullis-$unit.service" | tail -1)
  echo "portcullis-$unit: $exposure"
  score=$(grep -o '[0-9]\+\.[0-9]' <<<"$exposure" | head -1)
  limit=$([ $unit = controller ] && echo 2.0 || echo 4.0)
  awk "BEGIN {exit !($score <= $limit)}" || fail "portcullis-$unit exposure $score is above $limit"
done

# --- 6. Enroll the installed agent to the installed controller -------------------
step "enroll the installed agent"
# The administrator's edits, which the upgrade must keep: no antivirus here,
# and only the configuration watched (the throwaway root is this machine's).
inside sed -i -e '/^\[antivirus\]/,/^\[/s/^enabled = auto/enabled = no/' \
  -e '/^\[files\]/,/^\[/s#^paths = .*#paths = /etc/portcullis#' \
  -e '/^\[files\]/,/^\[/s#^interval = .*#interval = 2s#' /etc/portcullis/agent.conf
inside sed -i 's/^workers = 2/workers = 3/' /etc/portcullis/controller.conf
echo '# edited by the administrator' | inside tee -a /etc/portcullis/policy.conf >/dev/null
inside systemctl restart portcullis-controller.service
eventually inside systemctl is-active --quiet portcullis-controller.service || fail "controller restart"
token=$(inside portcullis-controller enroll-token --config /etc/portcullis/controller.conf 2>/dev/null)
fingerprint=$(inside portcullis-controller ca-fingerprint --config /etc/portcullis/controller.conf)
# Run as root, the commands acted as the service's user: nothing root-owned in its state.
leftover=$(inside find /var/lib/portcullis/controller ! -user portcullis)
[ -z "$leftover" ] || fail "files in the controller's state not owned by portcullis: $leftover"
inside portcullis-agent enroll --controller 127.0.0.1:9443 --token "$token" --ca-sha256 "$fingerprint" \
  --config /etc/portcullis/agent.conf
inside systemctl restart portcullis-agent.service
eventually inside systemctl is-active --quiet portcullis-agent.service ||
  { inside journalctl -u portcullis-agent --no-pager; fail "the agent did not start"; }
admitted() { inside portcullis-controller machines --config /etc/portcullis/controller.conf | grep -q admitted; }
eventually admitted || {
  inside journalctl -u portcullis-agent -u portcullis-controller --no-pager | tail -40
  fail "the enrolled agent's machine was not admitted"
}
inside portcullis-controller machines --config /etc/portcullis/controller.conf
inside journalctl -u portcullis-agent.service --no-pager -o cat | grep -E 'CONNECTED|REPORT_ACKNOWLEDGED' | head -3

# --- 7. Damage, handled by the sandboxed agent ------------------------------------
step "a known-bad file: isolated with nftables, removed, released (inside the agent's sandbox)"
ctl() { inside portcullis-controller "$@" --config /etc/portcullis/controller.conf; }
command_done() { ctl commands | grep -qE "  $1  done  "; }
inside sh -c 'printf "#!/bin/sh\n# dropper %s\n" "$(date +%s%N)" > /etc/portcullis/dropper &&
  sha256sum /etc/portcullis/dropper | sed "s/ .*/  Test.Package.Dropper/" > /tmp/known-bad.list'
ctl known-bad import /tmp/known-bad.list --insecure --source package-test
eventually command_done isolate || { ctl commands; inside journalctl -u portcullis-agent --no-pager | tail -20; fail "not isolated"; }
# The agent put its table into this root's own network namespace. The dropper
# is removed and the host released within moments, so the table is only
# required while the release has not happened yet.
agent_logged() { inside journalctl -u portcullis-agent --no-pager -o cat | grep -q "$1"; }
eventually agent_logged HOST_ISOLATED ||
  fail "the agent did not log isolating the host"
inside nft list table inet portcullis >/dev/null 2>&1 || command_done release_isolation ||
  fail "the agent's isolation table is missing while the host is not released"
eventually command_done remove_file || { ctl commands; fail "the dropper was not removed"; }
inside test -e /etc/portcullis/dropper && fail "the dropper is still in place"
eventually command_done release_isolation || { ctl commands; fail "not released"; }
eventually admitted || fail "not admitted again after recovery"
inside nft list table inet portcullis >/dev/null 2>&1 && fail "the isolation table outlived the release"
ctl commands | awk '{print $3, $4}' | grep -E 'isolate|remove_file|release_isolation'

step "package changes leave the agent's sandbox through systemd-run"
# The agent unit's sandbox, applied to a transient unit: a write to /var/cache
# fails there, and succeeds through the packaged patch_command's prefix.
sandbox=()
while IFS= read -r line; do sandbox+=(-p "$line"); done < <(inside sed -n '/^\[Service\]/,/^\[/{
  /^\(NoNewPrivileges\|Protect\|ReadWritePaths\|PrivateMounts\|PrivateDevices\|Restrict\|LockPersonality\|MemoryDeny\|SystemCall\|CapabilityBoundingSet\|UMask\)/p
}' /lib/systemd/system/portcullis-agent.service)
[ "${#sandbox[@]}" -ge 30 ] || fail "too few sandbox settings read from the agent unit (${#sandbox[@]})"
prefix=$(inside sed -n 's/^patch_command = \(systemd-run .* --\) apt-get .*/\1/p' /etc/portcullis/agent.conf)
[ -n "$prefix" ] || fail "the packaged patch_command does not go through systemd-run"
if inside systemd-run --quiet --wait --pipe --collect "${sandbox[@]}" -- /bin/sh -c 'echo x > /var/cache/patch-probe' 2>/dev/null; then
  fail "the agent's sandbox lets it write /var/cache"
fi
# shellcheck disable=SC2086 # the prefix is words
inside systemd-run --quiet --wait --pipe --collect "${sandbox[@]}" -- $prefix /bin/sh -c 'echo x > /var/cache/patch-probe' ||
  fail "a command under the packaged patch_command prefix could not change the system"
inside test -s /var/cache/patch-probe || fail "the change made through systemd-run is missing"
inside rm -f /var/cache/patch-probe
echo "sandboxed: write refused; through '$prefix': written"

step "restart on failure"
for unit in controller agent; do
  before=$(inside systemctl show -P MainPID "portcullis-$unit.service")
  inside kill -KILL "$before"
  restarted() { local now; now=$(inside systemctl show -P MainPID "portcullis-$unit.service");
    [ "$now" != 0 ] && [ "$now" != "$before" ] && inside systemctl is-active --quiet "portcullis-$unit.service"; }
  eventually restarted || fail "portcullis-$unit was not restarted after SIGKILL"
  echo "portcullis-$unit: killed ($before), restarted ($(inside systemctl show -P MainPID "portcullis-$unit.service"))"
done
eventually admitted || fail "the machine is not admitted after the restarts"

# --- 8. Upgrade: the next revision over the edited installation -------------------
step "upgrade to ${version}-2"
old_pid=$(inside systemctl show -P MainPID portcullis-controller.service)
inside dpkg -i $(paths_in_root "$agent_deb2" "$controller_deb2" $kea_deb2) </dev/null
expect_eq "$(inside dpkg-query -W -f '${Version}' portcullis-controller)" "${version}-2" "controller version after upgrade"
expect_eq "$(inside dpkg-query -W -f '${Version}' portcullis-agent)" "${version}-2" "agent version after upgrade"
inside grep -q '^workers = 3' /etc/portcullis/controller.conf || fail "the controller.conf edit was lost"
inside grep -q 'edited by the administrator' /etc/portcullis/policy.conf || fail "the policy.conf edit was lost"
inside grep -q '^paths = /etc/portcullis' /etc/portcullis/agent.conf || fail "the agent.conf edit was lost"
eventually inside systemctl is-active --quiet portcullis-controller.service || fail "controller after upgrade"
new_pid=$(inside systemctl show -P MainPID portcullis-controller.service)
[ "$new_pid" != "$old_pid" ] || fail "the upgrade did not restart the controller"
expect_eq "$(inside portcullis-controller ca-fingerprint --config /etc/portcullis/controller.conf)" "$fingerprint" \
  "the CA after upgrade"
eventually inside systemctl is-active --quiet portcullis-agent.service || fail "agent after upgrade"
eventually admitted || fail "the machine was forgotten by the upgrade"
echo "upgraded: edits kept, controller restarted ($old_pid -> $new_pid), CA and machines kept"

# --- 9. Remove, then purge ------------------------------------------------------
step "dpkg -r"
inside dpkg -r "${packages[@]}" </dev/null
inside systemctl is-active --quiet portcullis-controller.service && fail "controller still running after remove"
inside test -e /usr/sbin/portcullis-controller && fail "binary left after remove"
inside test -e /etc/portcullis/controller.conf || fail "remove must keep the configuration"
inside test -e /var/lib/portcullis/controller/controller.db || fail "remove must keep the store"

step "dpkg -P"
# As if the agent had isolated this machine: purge takes the table away too.
inside nft add table inet portcullis
inside dpkg -P "${packages[@]}" </dev/null
inside nft list table inet portcullis >/dev/null 2>&1 && fail "purge left the agent's firewall table"
inside getent passwd portcullis >/dev/null && fail "purge left the portcullis user"
inside getent group portcullis >/dev/null && fail "purge left the portcullis group"
inside rm -rf /srv/package-test
left=$(cd "$work/upper" && find . -path '*portcullis*' | grep -v '^./var/log/' || true)
[ -z "$left" ] || fail "purge left these behind: $left"
echo "purged: no file, user, group, unit link or firewall table of Portcullis left"
echo "PASS"
