# Turns the files of src/server/web/ into a .cc (script mode: cmake -DDIR=... -DOUT=... -P ...), so
# the page is part of the binary: nothing to install, nothing fetched at run time.
file(GLOB files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
set(body "")
set(table "")
set(n 0)
foreach(f ${files})
  file(READ ${DIR}/${f} hex HEX)
  string(LENGTH "${hex}" hex_len)
  math(EXPR size "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){24})" "\\1\n" bytes "${bytes}")
  if(f MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(f MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(f MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(f MATCHES "\\.svg$")
    set(type "image/svg+xml")
  else()
    set(type "application/octet-stream")
  endif()
  string(APPEND body "const unsigned char k${n}[] = {\n${bytes}0};\n")
  string(APPEND table "    {\"/ui/${f}\", \"${type}\", std::string_view(reinterpret_cast<const char*>(k${n}), ${size})},\n")
  math(EXPR n "${n} + 1")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from src/server/web/ by embed_web.cmake; do not edit.
#include \"server/web_assets.h\"

namespace ab {
namespace {
${body}
const WebAsset kAssets[] = {
${table}};
}  // namespace

const WebAsset* FindWebAsset(std::string_view path) {
  for (const WebAsset& a : kAssets) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace ab
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
