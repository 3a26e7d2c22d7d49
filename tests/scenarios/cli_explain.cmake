# cmake -DALERTBRIDGE=<binary> -DSOURCE_DIR=<repo> -P cli_explain.cmake
# `alertbridge explain` through the real command line, on the shipped rules/default.yml: exit 0
# with one line per rule, 1 when no rule takes the alert, 2 on a usage or config error.
function(explain want_rc want_out)
  execute_process(COMMAND ${ALERTBRIDGE} ${ARGN} WORKING_DIRECTORY ${SOURCE_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL want_rc)
    message(FATAL_ERROR "${ARGN}: exit ${rc}, want ${want_rc}\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "${want_out}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${ARGN}: output lacks \"${want_out}\":\n${out}${err}")
  endif()
endfunction()

explain(0 "page-worthy: priority SEV1, group {alertname=\"Down\", service=\"api\"} (rules/default.yml:"
        explain alertname=Down service=api severity=page)
explain(0 "this alert alone declares an incident; next rules evaluated too (continue: true, the default)"
        explain alertname=Down service=api severity=page)
explain(1 "no rule takes {alertname=\"Down\", severity=\"info\"} (2 rules checked)"
        explain alertname=Down severity=info)
explain(2 "is not name=value" explain alertname)
explain(2 "labels is required" explain)
explain(2 "config file does not exist" --config no-such-file.yml explain a=b)
