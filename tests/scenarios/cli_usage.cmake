# cmake -DALERTBRIDGE=<binary> -P cli_usage.cmake
# The CLI's own words: --version like `version`, an unknown subcommand named (exit 2).
function(run want_rc want_out)
  execute_process(COMMAND ${ALERTBRIDGE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL want_rc)
    message(FATAL_ERROR "alertbridge ${ARGN}: exit ${rc}, want ${want_rc}\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "${want_out}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "alertbridge ${ARGN}: output lacks \"${want_out}\":\n${out}${err}")
  endif()
endfunction()

run(0 "alertbridge " --version)
run(0 "alertbridge " version)
run(2 "unknown subcommand \"frobnicate\" (serve, check, test, explain, version)" frobnicate)
run(2 "unknown subcommand \"frobnicate\"" --config alertbridge.yml frobnicate)
run(2 "A subcommand is required")
