#!/bin/bash
# t000: the test helpers themselves.  A `fail` ends the test at once and
# with its own message wherever it is called: in the test's shell, in a
# command substitution (x=$(wait_migration_done ...)), nested ones, and in a
# condition of wait_for whose output is thrown away.  Each case is a little
# test script of its own; markers show which of its commands still ran.
source "$(dirname "$0")/lib.sh"

# case NAME 'SCRIPT BODY' EXPECTED_MESSAGE: run the body as a test (lib.sh
# sourced, markers in $M), which must exit 1, print exactly one FAIL line,
# EXPECTED_MESSAGE's, and leave no marker "after*".
case_fails() {
    local name=$1 body=$2 want=$3 rc=0 err
    mkdir -p "$T_TMP/$name"
    printf 'source %q\nM=%q\n%s\n' "$REPO/tests/integration/lib.sh" "$T_TMP/$name" "$body" \
        > "$T_TMP/$name.sh"
    T_NAME=$name LAST="(case $name)" bash "$T_TMP/$name.sh" > "$T_TMP/$name.out" 2>&1 || rc=$?
    err=$(grep '^FAIL' "$T_TMP/$name.out")
    [[ $rc == 1 ]] || fail "$name: exit status $rc, expected 1 ($(cat "$T_TMP/$name.out"))"
    ok
    [[ $err == "FAIL $name: $want" ]] || fail "$name: said '$err', expected 'FAIL $name: $want'"
    ok
    [[ -z $(find "$T_TMP/$name" -name 'after*') ]] \
        || fail "$name: went on after the failure: $(ls "$T_TMP/$name")"
    ok
}

case_fails main 'fail "in the main shell"; touch $M/after' "in the main shell"

# the old way: the subshell ended, the test went on with an empty value and
# failed later with a message about something else
case_fails comsub 'x=$(echo partial; fail "migration 7 still running after 120s")
touch $M/after-main
[[ $x == completed ]] || fail "migration 7: "' "migration 7 still running after 120s"

# nested: a helper's own $(...) fails; the helper and the test both stop
case_fails nested 'helper() { local y; y=$(fail "inner"); touch $M/after-helper; sleep 60; }
x=$(helper)
touch $M/after-main' "inner"

# a condition of wait_for runs with its output to /dev/null
case_fails condition 'probe() { fail "probe: no such guest"; }
wait_for "something" 60 "[[ \$(probe) == yes ]]"
touch $M/after-main' "probe: no such guest"

# a pipeline's part is a subshell too
case_fails pipeline 'echo x | while read -r _; do fail "in a pipeline"; done
touch $M/after-main' "in a pipeline"

# a background job: the test stops while waiting for it
case_fails background '( fail "in the background" ) &
wait $!
touch $M/after-main' "in the background"

# what passes still passes: a subshell that does not fail changes nothing
x=$(wait_for "true" 5 true; echo finished)
[[ $x == finished ]] || fail "a passing subshell: '$x'"
ok
done_ok
