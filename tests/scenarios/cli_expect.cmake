# include()d by the cli_*.cmake scripts: cli_expect(<exit code> <text> <args>...) runs
# ${ALERTBRIDGE} <args> (in ${SOURCE_DIR} when set) and fails unless it exits with that code and
# its output (stdout and stderr) contains the text.
function(cli_expect want_rc want_out)
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  if(DEFINED SOURCE_DIR)
    set(dir ${SOURCE_DIR})
  endif()
  execute_process(COMMAND ${ALERTBRIDGE} ${ARGN} WORKING_DIRECTORY ${dir}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL want_rc)
    message(FATAL_ERROR "alertbridge ${ARGN}: exit ${rc}, want ${want_rc}\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "${want_out}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "alertbridge ${ARGN}: output lacks \"${want_out}\":\n${out}${err}")
  endif()
endfunction()
