#include <gtest/gtest.h>

#include "ingest/decode.h"

namespace ab {
namespace {

TEST(IsJsonContentType, AcceptsApplicationJson) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
}

TEST(IsJsonContentType, IgnoresCaseParametersAndWhitespace) {
  EXPECT_TRUE(IsJsonContentType("Application/JSON"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("application/json;charset=UTF-8"));
  EXPECT_TRUE(IsJsonContentType(" application/json \t; charset=utf-8"));
}

TEST(IsJsonContentType, RejectsOtherMediaTypes) {
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType("application/ json"));
  EXPECT_FALSE(IsJsonContentType("json"));
}

}  // namespace
}  // namespace ab
