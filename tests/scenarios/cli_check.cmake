# cmake -DALERTBRIDGE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch folder> -P cli_check.cmake
# `alertbridge check` given rule test files (they have tests:): each is checked like `alertbridge
# test` reads it (its rules, inputs and expectations, every error with file:line:col), never run.
function(check want_rc want_out)
  execute_process(COMMAND ${ALERTBRIDGE} check ${ARGN} WORKING_DIRECTORY ${SOURCE_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL want_rc)
    message(FATAL_ERROR "check ${ARGN}: exit ${rc}, want ${want_rc}\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "${want_out}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "check ${ARGN}: output lacks \"${want_out}\":\n${out}${err}")
  endif()
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
