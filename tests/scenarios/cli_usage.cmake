# cmake -DALERTBRIDGE=<binary> -P cli_usage.cmake
# The CLI's own words: --version like `version`, an unknown subcommand named (exit 2).
include(${CMAKE_CURRENT_LIST_DIR}/cli_expect.cmake)

cli_expect(0 "alertbridge " --version)
cli_expect(0 "alertbridge " version)
cli_expect(2 "unknown subcommand \"frobnicate\" (serve, check, test, explain, backup, version)" frobnicate)
cli_expect(2 "unknown subcommand \"frobnicate\"" --config alertbridge.yml frobnicate)
cli_expect(2 "A subcommand is required")
