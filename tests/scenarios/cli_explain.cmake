# cmake -DALERTBRIDGE=<binary> -DSOURCE_DIR=<repo> -P cli_explain.cmake
# `alertbridge explain` through the real command line, on the shipped rules/default.yml: exit 0
# with one line per rule, 1 when no rule takes the alert, 2 on a usage or config error.
include(${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake)

cli_expect(0 "page-worthy: priority SEV1, group {alertname=\"Down\", service=\"api\"} (rules/default.yml:"
           explain alertname=Down service=api severity=page)
cli_expect(0 "this alert alone declares an incident; next rules evaluated too (continue: true, the default)"
           explain alertname=Down service=api severity=page)
cli_expect(1 "no rule takes {alertname=\"Down\", severity=\"info\"} (2 rules checked)"
           explain alertname=Down severity=info)
cli_expect(2 "is not name=value" explain alertname)
cli_expect(2 "labels is required" explain)
cli_expect(2 "config file does not exist" --config no-such-file.yml explain a=b)
