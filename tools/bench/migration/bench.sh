#!/bin/bash
# bench.sh - make bench-migration: every case of a scenario file migrated
# for real through Ferry's whole path (os-migrateLive -> ferry-api ->
# ferry-scheduler -> ferry-compute -> libvirt/QEMU on the lab), once under
# the `nova` policy and once under `ferry` for each repetition, interleaved
# (nova first on even repetitions, ferry first on odd ones), then, on a line
# with bare=yes, once by libvirt alone (bare.py: the host's own time for the
# case), on one stack under the same conditions.  Results: the table on stdout (report.py),
# OUT/lab.json (the simulator's result schema plus the runs), OUT/lab.png
# (gnuplot), OUT/calibrate.txt (ferry-sim calibrate of the same file).
# Every physics verdict is ferry-sim's: on the file's lines (`possible`)
# and, through `ferry-sim --measured`, at the dirty rate each case's guests
# measured themselves (`possible_measured`, the table's `*`).
#
#   tools/bench/migration/bench.sh [SCENARIO [OUT]]
#
# Without a running stack it brings up its own, as tests/e2e/run.sh does
# (free ports, two lab hosts on a free block of 127.0.1.0/24, its own state
# directory), and wipes it at the end.  With BENCH_STACK=use it runs on the
# stack the environment describes (API, PGPORT, FERRY_STATE, LAB, LAB_STATE,
# FERRY_LAB_HOSTS: tests/e2e/e800's way) and leaves it as it found it.  With
# BENCH_STACK=none it only reads the file and prints the cases as the lab
# would run them (name ram_mib rate|spin value wss_mib link budget pc ac bare
# reps).
#
# Per case: guest RAM, args and metadata (ferry:migration_policy,
# ferry:max_downtime_ms, ferry:post_copy, ferry:auto_converge) from the
# line; the destination's lab link capped at link= MiB/s (lab link HOST
# rate), the source compute told the same ([libvirt]
# live_migration_bandwidth and [ferry] link_bandwidth_mib), and Nova's time
# constants divided by BENCH_NOVA_DIVISOR ([ferry] nova_policy_time_divisor,
# 20: a guest under 2 GiB gets Nova's 2 GiB clock, a downtime step every
# 7.5 s and the completion timeout at 80 s).  A run that no policy ended
# within BENCH_RUN_MAX s (300) is aborted by the bench and counted undecided.
#
# Env: BENCH_NOVA_DIVISOR, BENCH_RUN_MAX, SIM (build/ferry-sim), BENCH_STACK.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
SCEN=${1:-$HERE/default.txt}
OUT=${2:-$REPO/build/bench-migration}
SIM=${SIM:-$REPO/build/ferry-sim}
DIV=${BENCH_NOVA_DIVISOR:-20}
RUN_MAX=${BENCH_RUN_MAX:-300}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[[ -r $SCEN ]] || { echo "bench-migration: no scenario file $SCEN" >&2; exit 2; }
[[ -x $SIM ]] || { echo "bench-migration: $SIM missing (make $SIM)" >&2; exit 2; }

# ---- the scenario: ferry-sim reads it, the lab runs the cases as it read them -------------
# Here only what the lab adds: a name, the guest's own rate= or spin= value, no
# simulator-only item, and ram= and link= spelt out.
LINES=()          # "lineno name kind(rate|spin) value", in ferry-sim's numbering
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    [[ -z ${line//[[:space:]]/} ]] && continue
    name="case$((${#LINES[@]}))" kind="" val="" seen="" bare=no
    for kv in $line; do
        k=${kv%%=*} v=${kv#*=}
        [[ $kv == *=* && -n $v ]] || { echo "$SCEN:$lineno: '$kv' is not key=value" >&2; exit 2; }
        case $k in
        name) name=$v ;;
        rate | spin) kind=$k val=$v ;;
        ram | link) seen+=$k ;;
        wss | budget | postcopy | ac | reps) ;;
        bare)               # libvirt alone too (lab-only: ferry-sim takes and skips it)
            [[ $v == yes || $v == no ]] ||
                { echo "$SCEN:$lineno: 'bare=$v': yes or no" >&2; exit 2; }
            bare=$v ;;
        pattern)            # the lab's guest walks its working set in order
            [[ $v == seq ]] || {
                echo "$SCEN:$lineno: 'pattern=$v' is simulator-only (the lab's guest walks" \
                     "its working set in order: pattern=seq)" >&2; exit 2; } ;;
        cut | spinrate | shape)
            echo "$SCEN:$lineno: '$k=' is simulator-only (the lab cannot run it)" >&2
            exit 2 ;;
        *) echo "$SCEN:$lineno: unknown item '$kv'" >&2; exit 2 ;;
        esac
    done
    [[ $seen == *ram* && $seen == *link* && $val =~ ^[0-9]+$ && $val -gt 0 ]] || {
        echo "$SCEN:$lineno: the lab needs ram=, link= and rate= or spin= (a positive" \
             "integer) on every line" >&2; exit 2; }
    LINES+=("$lineno $name $kind $val $bare")
done < "$SCEN"
(( ${#LINES[@]} > 0 )) || { echo "$SCEN: no case" >&2; exit 2; }

# the simulator on the same file: its reading of each case, physics (possible) and
# its predictions (again at the end, with the guests' measured rates)
"$SIM" --scenario "$SCEN" --nova-divisor "$DIV" --json "$OUT/sim.json" > "$OUT/sim.txt"
mapfile -t NUMS < <(jq -r '.cases[] | "\(.ram_mib) \(.wss_mib) \(.link_mib) \(.budget_ms) "
    + "\(.post_copy) \(.auto_converge) \(.reps)"' "$OUT/sim.json")
(( ${#NUMS[@]} == ${#LINES[@]} )) ||
    { echo "bench-migration: ferry-sim read ${#NUMS[@]} case(s) of $SCEN, not ${#LINES[@]}" >&2
      exit 2; }
perm() { [[ $1 == true ]] && echo allowed || echo forbidden; }
CASES=()          # "name ram_mib kind(rate|spin) value wss_mib link budget pc ac bare reps"
for ((i = 0; i < ${#LINES[@]}; i++)); do
    read -r lineno name kind val bare <<< "${LINES[$i]}"
    read -r ram wss link budget pc ac reps <<< "${NUMS[$i]}"
    for n in "$ram" "$wss" "$link" "$budget" "$reps"; do
        [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || {
            echo "$SCEN:$lineno: the lab runs whole MiB, MiB/s, ms and repetitions; ferry-sim" \
                 "reads ram ${ram} MiB, wss ${wss} MiB, link ${link} MiB/s, budget ${budget}" \
                 "ms, reps ${reps}" >&2; exit 2; }
    done
    (( ram >= 32 && ram <= 1024 )) ||
        { echo "$SCEN:$lineno: ram=${ram}M: the lab runs 32M-1G" >&2; exit 2; }
    (( budget >= 100 )) || { echo "$SCEN:$lineno: budget=$budget: at least 100 ms" >&2; exit 2; }
    CASES+=("$name $ram $kind $val $wss $link $budget $(perm "$pc") $(perm "$ac") $bare $reps")
done
if [[ ${BENCH_STACK:-own} == none ]]; then     # read and checked only (check.sh)
    printf '%s\n' "${CASES[@]}"
    exit 0
fi

# ---- the stack ---------------------------------------------------------------------------
if [[ ${BENCH_STACK:-own} != use ]]; then
    # shellcheck source=../../../tests/lib/env.sh
    source "$REPO/tests/lib/env.sh"
    FERRY_STATE=$(new_state_dir bench)
    FERRY_PG_PORT=$(free_port 26432)
    FERRY_API_PORT=$(free_port 29774)
    export FERRY_STATE FERRY_PG_PORT FERRY_API_PORT
    blk=$(free_lab_block 2) || { echo "bench: no free lab addresses" >&2; exit 1; }
    export FERRY_LAB_HOSTS="b-lab-1=127.0.1.$blk b-lab-2=127.0.1.$((blk + 1))"
    export FERRY_LAB_MIG_PORT_BASE=$((51000 + (blk - 2) / 10 * 64))
    export FERRY_PG_FAST=1 FERRY_DEMO=0 FERRY_LAB_LINK=none
    export PGPORT=$FERRY_PG_PORT API=http://127.0.0.1:$FERRY_API_PORT
    export LAB_STATE=$FERRY_STATE/lab LAB="$REPO/tools/lab/lab"
    printf '[libvirt]\nlive_migration_monitor_interval = 1\n' > "$FERRY_STATE/bench.conf"
    export FERRY_CONF_EXTRA=$FERRY_STATE/bench.conf
    own_cleanup() {
        "$REPO/tools/stack" wipe >/dev/null 2>&1 || true
        release_reserved
    }
    trap own_cleanup EXIT
    echo "bench-migration: state $FERRY_STATE, lab $FERRY_LAB_HOSTS" >&2
    "$REPO/tools/stack" up > "$FERRY_STATE/up.log" 2>&1 || { cat "$FERRY_STATE/up.log"; exit 1; }
fi
export T_NAME=bench-migration     # the helpers' name in their messages
# shellcheck source=../../../tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
read -r SRC DEST _ <<< "$(for h in $FERRY_LAB_HOSTS; do printf '%s ' "${h%%=*}"; done)"
RUNS=$OUT/runs.jsonl
: > "$RUNS"
OLD_LOCAL=""
[[ -f $FERRY_STATE/etc/local.conf ]] && OLD_LOCAL=$(cat "$FERRY_STATE/etc/local.conf")
GUESTS=()
bench_finish() {
    local g
    for g in "${GUESTS[@]}"; do [[ -z $g ]] || drop_guest "$g" >/dev/null 2>&1 || true; done
    lab link "$DEST" remove >/dev/null 2>&1 || true
    [[ ${BENCH_STACK:-own} == use ]] && reconfigure "$OLD_LOCAL" >/dev/null 2>&1 || true
    rm -rf "$T_TMP"
}
trap 'bench_finish; [[ ${BENCH_STACK:-own} == use ]] || own_cleanup' EXIT

# ---- one run -------------------------------------------------------------------------------
# the cap on the link and what the source compute is told of it
CUR_LINK=""
set_link() {
    [[ $1 == "$CUR_LINK" ]] && return 0
    reconfigure "[libvirt]
live_migration_bandwidth = $1
[ferry]
link_bandwidth_mib = $1
nova_policy_time_divisor = $DIV"
    lab link "$DEST" rate "$1" >/dev/null || fail "lab link $DEST rate $1"
    CUR_LINK=$1
}

epoch_of() { [[ $1 == null ]] && echo null || date -d "$1" +%s.%N; }

# alive NAME HOST [bare]: running on exactly HOST, the one Ferry says (not
# asked after a migration by libvirt alone), its heartbeat going on (two new
# beats within 60 s) and its memory check ok; prints "ok" or what is wrong
# (never fails the bench)
alive() {
    local name=$1 host=$2 where h1 i line
    where=$(lab where "$name")
    [[ $where == "$host" ]] || { echo "runs on '${where//$'\n'/+}', expected $host"; return; }
    [[ ${3:-} == bare || $(server_host "$name") == "$host" ]] ||
        { echo "Ferry says $(server_host "$name")"; return; }
    for ((i = 0; i < 600; i++)); do
        h1=$(lab heartbeat "$name" "$host")
        [[ -n $h1 ]] && break
        sleep 0.1
    done
    [[ -n $h1 ]] || { echo "no heartbeat on $host"; return; }
    for ((i = 0; i < 600; i++)); do
        [[ $(lab heartbeat "$name" "$host") -gt $h1 ]] && break
        sleep 0.1
    done
    [[ $(lab heartbeat "$name" "$host") -gt $h1 ]] || { echo "heartbeat stuck at $h1"; return; }
    line=$(lab heartbeat "$name" "$host" --line)
    [[ $line == *mem=ok* ]] || { echo "memory check: $line"; return; }
    echo ok
}

# guest_up INDEX NAME [METADATA]: a fresh guest NAME for case INDEX on $SRC,
# the link capped, METADATA (a JSON object) on its server; sets S (its server
# id) and GRATE (the rate it measured itself) once its host has measured its
# dirty rate too
guest_up() {
    local i=$1 g=$2 name ram kind val wss link budget pc ac bare reps
    read -r name ram kind val wss link budget pc ac bare reps <<< "${CASES[$i]}"
    set_link "$link"
    S=$(new_guest "$g" "$SRC" "$ram" "fill=1 $kind=$val wss=$wss")
    GUESTS+=("$g")
    if [[ -n ${3:-} ]]; then
        api PUT "/v2.1/servers/$S/metadata" "{\"metadata\": $3}"
        expect_status 200
    fi
    # the rate the guest really dirties at (its heartbeat's rate=, MiB per real
    # second over its last second: under TCG on a busy machine it may fall
    # short of the line's rate=), two beats after boot
    local hb0
    hb0=$(lab heartbeat "$g" "$SRC")
    wait_for "$g's next heartbeat" 60 "[[ \$(lab heartbeat $g $SRC) -gt \$((hb0 + 1)) ]]"
    GRATE=$(lab heartbeat "$g" "$SRC" --line | sed -n 's/.* rate=\([0-9.]*\).*/\1/p')
    [[ -n $GRATE ]] || GRATE=null
    # and its host has measured its dirty rate since, as a host does every
    # guest in the background ([ferry] dirty_rate_interval): a guest on a
    # real host has run for longer than that before anyone migrates it
    local since
    since=$(sql "SELECT now()")
    wait_for "$g's dirty rate measured" 60 \
        "[[ \$(sql \"SELECT dirty_rate_at > '$since' FROM instances WHERE uuid = '$S'\") == t ]]"
}

# run_one INDEX POLICY REP: one migration of a fresh guest; a JSON line to $RUNS
run_one() {
    local i=$1 pol=$2 rep=$3 name ram kind val wss link budget pc ac bare reps
    read -r name ram kind val wss link budget pc ac bare reps <<< "${CASES[$i]}"
    local g="b$i-${pol}-$rep" S GRATE id st t0 health host k
    guest_up "$i" "$g" "{\"ferry:migration_policy\": \"$pol\",
        \"ferry:max_downtime_ms\": \"$budget\", \"ferry:post_copy\": \"$pc\",
        \"ferry:auto_converge\": \"$ac\"}"
    t0=$(date +%s.%N)
    id=$(migrate_to "$S" "$DEST")
    local undecided=false
    for ((k = 0; k < RUN_MAX * 5; k++)); do
        st=$(migration_status "$id")
        case $st in completed | failed | error | cancelled) break ;; esac
        sleep 0.2
    done
    case $st in
    completed | failed | error | cancelled) ;;
    *)  undecided=true
        api DELETE "/v2.1/servers/$S/migrations/$id" "" 2.24
        wait_for "migration $id aborted by the bench" 120 \
            "[[ \$(migration_status $id) =~ ^(failed|error|cancelled|completed)\$ ]]"
        st=$(migration_status "$id") ;;
    esac
    # the guest settles where its migration left it
    wait_for "$g without a task" 60 \
        "[[ -z \$(sql \"SELECT task_state FROM instances WHERE uuid = '$S'\") ]]"
    host=$SRC
    [[ $st == completed ]] && host=$DEST
    health=$(alive "$g" "$host")
    api GET "/ferry/v1/migrations/$id"
    expect_status 200
    cp "$BODY" "$T_TMP/rec.json"
    # libvirt's own job time: its completed job's time_elapsed (Begin through
    # Finish, the destination's statistics, total_time_ms), else the
    # time_elapsed of the job's last sample (every 0.5 s: short by up to
    # that and by the job's end)
    local job_ms
    job_ms=$(sql "SELECT coalesce((SELECT total_time_ms FROM migrations
                                   WHERE id = $id AND total_time_ms > 0),
                                  (SELECT max(elapsed_ms) FROM migration_samples
                                   WHERE migration_id = $id), -1)")
    # the decisions the policy recorded, seconds after the request
    sql "SELECT round(extract(epoch from e.start_time)::numeric - $t0, 1) || ' s: ' || e.details
         FROM instance_action_events e JOIN instance_actions a ON a.id = e.action_id
         WHERE a.instance_uuid = '$S' AND e.event = 'compute_live_migration_decision'
         ORDER BY e.id" | jq -R . | jq -s . > "$T_TMP/dec.json"
    jq -c --argjson case "$i" --arg name "$name" --arg policy "$pol" --argjson rep "$rep" \
        --argjson ram "$ram" --arg kind "$kind" --argjson val "$val" --argjson wss "$wss" \
        --argjson link "$link" --argjson budget "$budget" --arg pc "$pc" --arg ac "$ac" \
        --argjson t0 "$t0" --argjson job_ms "$job_ms" --argjson grate "$GRATE" \
        --arg health "$health" --argjson undecided "$undecided" \
        --argjson started "$(epoch_of "$(jq -r .migration.started_at "$T_TMP/rec.json")")" \
        --argjson finished "$(epoch_of "$(jq -r .migration.finished_at "$T_TMP/rec.json")")" \
        --argjson created "$(epoch_of "$(jq -r .migration.created_at "$T_TMP/rec.json")")" \
        --slurpfile dec "$T_TMP/dec.json" '
        .migration as $m | {case: $case, name: $name, policy: $policy, rep: $rep,
         ram_mib: $ram, kind: $kind, value: $val, wss_mib: $wss, link_mib: $link,
         budget_ms: $budget, post_copy: $pc, auto_converge: $ac, guest_rate_mibs: $grate,
         status: $m.status, policy_ran: $m.policy, downtime_ms: $m.downtime_ms,
         downtime_source: $m.downtime_source, bytes: $m.data_sent_bytes,
         created: $created, started: $started, finished: $finished,
         time_s: (if $finished == null then null else $finished - $created end),
         job_s: (if $job_ms < 0 then null else $job_ms / 1000 end),
         decide_s: (if $finished == null then null else $finished - $created end),
         post_copy_used: ([$m.events[] | select(.to_status == "running (post-copy)")]
                          | length > 0),
         step_reached: $m.step_reached, reason: $m.reason,
         evidence_s: ([$m.iterations[]? | select(.iteration >= 3) | .time_ms][0] // null
                      | if . == null then null else . / 1000 end),
         iterations: ($m.iterations | length), health: $health, undecided: $undecided,
         decisions: $dec[0]}' "$T_TMP/rec.json" >> "$RUNS"
    printf '  %-16s %-5s rep %d: %-9s %6s ms %6.1f s  %s\n' "$name" "$pol" "$rep" "$st" \
        "$(jq -r .migration.downtime_ms "$T_TMP/rec.json")" \
        "$(tail -n1 "$RUNS" | jq '.time_s // 0')" "$health" >&2
    drop_guest "$g"
    GUESTS=("${GUESTS[@]/$g}")
}

# run_bare INDEX REP: the same migration by libvirt alone (bare.py: Ferry's
# flags and the link's cap, QEMU's own max downtime, no policy), for a line
# with bare=yes (none else): the host's own time for it; a JSON line to
# $RUNS, policy "libvirt".  Ferry's compute sees the domain leave its host
# and never takes it over on the other (sync.c).
run_bare() {
    local i=$1 rep=$2 name ram kind val wss link budget pc ac bare reps
    read -r name ram kind val wss link budget pc ac bare reps <<< "${CASES[$i]}"
    [[ $bare == yes ]] || return 0
    local g="b$i-libvirt-$rep" S GRATE out st host health addr="" h src_uri dest_uri
    for h in $FERRY_LAB_HOSTS; do [[ ${h%%=*} == "$DEST" ]] && addr=${h#*=}; done
    [[ -n $addr ]] || fail "no address for $DEST in FERRY_LAB_HOSTS ($FERRY_LAB_HOSTS)"
    src_uri=$(lab uri "$SRC")
    dest_uri=$(lab uri "$DEST")
    guest_up "$i" "$g"
    out=$(/usr/bin/python3 "$HERE/bare.py" "$src_uri" "$dest_uri" "$addr" "$g" "$link" \
          "$RUN_MAX") || fail "bare.py $g: $out"
    st=$(jq -r .status <<< "$out")
    host=$SRC
    [[ $st == completed ]] && host=$DEST
    health=$(alive "$g" "$host" bare)
    jq -c --argjson case "$i" --arg name "$name" --argjson rep "$rep" --argjson ram "$ram" \
        --arg kind "$kind" --argjson val "$val" --argjson wss "$wss" --argjson link "$link" \
        --argjson budget "$budget" --arg pc "$pc" --arg ac "$ac" --argjson grate "$GRATE" \
        --arg health "$health" '
        {case: $case, name: $name, policy: "libvirt", rep: $rep, ram_mib: $ram, kind: $kind,
         value: $val, wss_mib: $wss, link_mib: $link, budget_ms: $budget, post_copy: $pc,
         auto_converge: $ac, guest_rate_mibs: $grate, status: .status, policy_ran: "libvirt",
         downtime_ms: .downtime_ms, downtime_source: "libvirt", bytes: .bytes,
         created: .started, started: .started, finished: .finished, time_s: .time_s,
         job_s: .job_s, decide_s: .time_s, post_copy_used: false, step_reached: null,
         reason: .error, evidence_s: null, iterations: null, health: $health,
         undecided: .aborted, decisions: []}' <<< "$out" >> "$RUNS"
    printf '  %-16s %-5s rep %d: %-9s %6s ms %6.1f s  %s\n' "$name" libvirt "$rep" "$st" \
        "$(jq -r .downtime_ms <<< "$out")" "$(jq .time_s <<< "$out")" "$health" >&2
    drop_guest "$g"
    GUESTS=("${GUESTS[@]/$g}")
}

# ---- the run: every case, every repetition, both policies interleaved ----------------
echo "bench-migration: ${#CASES[@]} case(s) of $SCEN, nova's clock / $DIV, $SRC -> $DEST" >&2
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
for ((i = 0; i < ${#CASES[@]}; i++)); do
    reps=${CASES[$i]##* }
    for ((r = 0; r < reps; r++)); do
        if ((r % 2 == 0)); then order="nova ferry"; else order="ferry nova"; fi
        for p in $order; do run_one "$i" "$p" "$r"; done
        run_bare "$i" "$r"
    done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - T_START ))

# the physics at the rate the guests measured themselves, per case and policy
/usr/bin/python3 "$HERE/report.py" --runs "$RUNS" --rates "$OUT/rates.json"
"$SIM" --scenario "$SCEN" --nova-divisor "$DIV" --measured "$OUT/rates.json" \
    --json "$OUT/sim.json" > "$OUT/sim.txt"
/usr/bin/python3 "$HERE/report.py" --runs "$RUNS" --sim "$OUT/sim.json" --out "$OUT" \
    --meta "scenario=$SCEN" "divisor=$DIV" "load_start=$LOAD0" "load_end=$LOAD1" \
    "elapsed_s=$ELAPSED" "cores=$(nproc)" "date=$(date -u +%FT%TZ)" | tee "$OUT/table.txt"
rc=${PIPESTATUS[0]}
"$SIM" calibrate "$OUT/sim.json" "$OUT/lab.json" > "$OUT/calibrate.txt"
echo
echo "simulator against the lab (ferry-sim calibrate $OUT/sim.json $OUT/lab.json):"
cat "$OUT/calibrate.txt"
if command -v gnuplot >/dev/null; then
    "$HERE/plot.sh" "$OUT"
else
    echo "bench-migration: gnuplot missing (make deps): no plot" >&2
fi
echo "bench-migration: $OUT/table.txt $OUT/lab.json $OUT/lab.png $OUT/calibrate.txt" >&2
exit "$rc"
