# cmake -DALERTBRIDGE=<binary> -DTEST_FILE=<file> -P expect_failure.cmake
# Passes when `alertbridge test TEST_FILE` exits 1 and reports the failing test with expected vs got.
execute_process(COMMAND ${ALERTBRIDGE} test ${TEST_FILE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "exit code ${rc}\n${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit code 1 (a test failed), got ${rc}")
endif()
foreach(want
    "FAILED (1 of 2 tests):"
    "test \"declared one second too early\" at 1m59s"
    "incidents differ"
    "exp:\n        - {rule: \"db\", state: declared}"
    "got:\n        - {id: 1, key: \"ab-"
    "state: pending"
    "events differ"
    "exp:\n        - {type: declared}\n      got: []")
  string(FIND "${out}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "output lacks: ${want}")
  endif()
endforeach()
string(FIND "${out}" "test \"passes\"" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "the passing test was reported as failing")
endif()
