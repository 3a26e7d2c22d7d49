# cmake -DALERTBRIDGE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch folder> -P cli_check.cmake
# `alertbridge check` given rule test files (they have tests:): each is checked like `alertbridge
# test` reads it (its rules, inputs and expectations, every error with file:line:col), never run.
include(${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake)
function(check want_rc want_out)
  cli_expect(${want_rc} "${want_out}" check ${ARGN})
endfunction()

check(0 "0 rules, 0 receivers, 1 rule test file (6 tests; run them with alertbridge test) OK"
      tests/scenarios/stale.yml)
# Wrong expectations are no config error: check passes what only running can fail.
check(0 "1 rule test file (3 tests;" tests/scenarios/must_fail/human_actions.yml)
check(0 "rule test files (" tests/scenarios/)
check(0 "2 rules, 1 receivers, 1 rule test file (" rules/ receivers/ tests/scenarios/default_rules.yml)

file(MAKE_DIRECTORY ${WORK_DIR})
file(WRITE ${WORK_DIR}/bad_test.yml [=[
rules:
  - name: db
    match: ['service="db"']
    severity: {raise: [{when: {account_tier: gold}, by: 1}]}
accounts: {key_label: customer, tiers: [free, paid]}
tests:
  - name: t
    input:
      - at: 0s
        alerts: [{labels: {service: db}, colour: red}]
        actions: [{incident: 1, do: close}]
    expect:
      - {at: 1m, incidents: [{state: open}]}
]=])
set(bad ${WORK_DIR}/bad_test.yml)
check(1 "${bad}:4:46: account_tier: \"gold\" is not a tier of ${bad}" ${bad})
check(1 "${bad}:10:42: unknown key \"input[0].alerts[0].colour\"" ${bad})
check(1 "${bad}:11:19: missing required key \"input[0].actions[0].resolution\"" ${bad})
check(1 "${bad}:11:19: missing required key \"input[0].actions[0].cause\"" ${bad})
check(1 "${bad}:11:19: missing required key \"input[0].actions[0].runbook_updated\"" ${bad})
check(1 "${bad}:13:38: expect[0].incidents[0].state: unknown incident state \"open\"" ${bad})
check(1 "6 errors" ${bad})

# A matcher that is empty or blank (a template that rendered nothing) would take every alert: an
# error. A group label the text uses but the matchers do not guarantee: a warning, exit 0.
file(WRITE ${WORK_DIR}/lint.yml [=[
rules:
  - name: everything
    match: ['']
  - name: page
    match: ['severity="critical"']
    group_by: [service]
    title: "Down on {{group.service}}"
]=])
set(lint ${WORK_DIR}/lint.yml)
check(1 "${lint}:3:13: match[0]: an empty matcher would match every alert" ${lint})
file(WRITE ${WORK_DIR}/lint.yml [=[
rules:
  - name: page
    match: ['severity="critical"']
    group_by: [service]
    title: "Down on {{group.service}}"
]=])
check(0 "${lint}:2:5: warning: rule \"page\": title uses group.service, but no matcher requires" ${lint})
check(0 "1 rules, 0 receivers OK" ${lint})
