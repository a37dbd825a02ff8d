#!/bin/bash
# preflight.sh - what this machine's CPU and KVM are, printed before the
# end-to-end tests, so that a failure on somebody else's machine says why.
# The lab itself always emulates (virt_type = qemu, TCG): nothing here
# decides a test, it only describes the host.  Usage: preflight.sh KERNEL
set -u
kernel=$1
vendor=$(awk -F': ' '/^vendor_id/ {print $2; exit}' /proc/cpuinfo)
model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
kvm="no /dev/kvm"
if [[ -c /dev/kvm ]]; then
    # usable when a probe guest (the lab's kernel) boots under KVM and beats
    log=$(mktemp) pid=""
    qemu-system-x86_64 -machine pc,accel=kvm -m 32 -display none -no-reboot -monitor none \
        -kernel "$kernel" -append "rate=1 wss=4" -serial "file:$log" \
        >"$log.err" 2>&1 &
    pid=$!
    for ((i = 0; i < 50; i++)); do
        grep -q '^hb ' "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        grep -qi error "$log.err" 2>/dev/null && break
        sleep 0.2
    done
    if grep -q '^hb ' "$log" 2>/dev/null; then
        kvm="/dev/kvm usable (a probe guest booted under KVM)"
    else
        kvm="/dev/kvm present but not usable: $(grep -m1 -v '^warning\|warning:' "$log.err" \
            2>/dev/null || echo 'the probe guest did not boot')"
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$log" "$log.err"
fi
echo "e2e: host CPU ${vendor:-unknown} (${model:-unknown}); $kvm; the lab emulates (TCG)"
