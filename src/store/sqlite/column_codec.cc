#include "store/sqlite/column_codec.h"

namespace ab::sqlite {
namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// A cursor over JSON text that reads only what these columns contain: strings, and the
// punctuation of one flat object or array.
class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return i_ == s_.size();
  }

  bool String(std::string* out) {
    out->clear();
    if (!Consume('"')) return false;
    size_t run = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        out->append(s_.data() + run, i_ - run);
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        ++i_;
        continue;
      }
      out->append(s_.data() + run, i_ - run);
      if (!Escape(out)) return false;
      run = i_;
    }
    return false;  // unterminated
  }

 private:
  // At a backslash: appends what the escape stands for and moves past it.
  bool Escape(std::string* out) {
    if (++i_ >= s_.size()) return false;
    char c = s_[i_++];
    switch (c) {
      case '"': out->push_back('"'); return true;
      case '\\': out->push_back('\\'); return true;
      case '/': out->push_back('/'); return true;
      case 'b': out->push_back('\b'); return true;
      case 'f': out->push_back('\f'); return true;
      case 'n': out->push_back('\n'); return true;
      case 'r': out->push_back('\r'); return true;
      case 't': out->push_back('\t'); return true;
      case 'u': break;
      default: return false;
    }
    uint32_t cp;
    if (!Hex4(&cp)) return false;
    if (cp >= 0xd800 && cp <= 0xdbff) {  // high surrogate: a low one must follow
      uint32_t low;
      if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') return false;
      i_ += 2;
      if (!Hex4(&low) || low < 0xdc00 || low > 0xdfff) return false;
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      return false;
    }
    AppendUtf8(cp, out);
    return true;
  }

  bool Hex4(uint32_t* cp) {
    if (i_ + 4 > s_.size()) return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      uint32_t d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return false;
      v = (v << 4) | d;
    }
    *cp = v;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::string EncodeLabels(const LabelSet& labels) {
  std::string out;
  out.reserve(2 + labels.size() * 24);
  out.push_back('{');
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(l.name, &out);
    out.push_back(':');
    AppendJsonString(l.value, &out);
  }
  out.push_back('}');
  return out;
}

bool DecodeLabels(std::string_view text, LabelSet* out) {
  *out = LabelSet();
  Reader r(text);
  if (!r.Consume('{')) return false;
  if (r.Consume('}')) return r.AtEnd();
  std::string name, value;
  do {
    if (!r.String(&name) || !r.Consume(':') || !r.String(&value)) return false;
    out->Set(name, value);
  } while (r.Consume(','));
  return r.Consume('}') && r.AtEnd();
}

std::string EncodeStrings(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(values[i], &out);
  }
  out.push_back(']');
  return out;
}

bool DecodeStrings(std::string_view text, std::vector<std::string>* out) {
  out->clear();
  Reader r(text);
  if (!r.Consume('[')) return false;
  if (r.Consume(']')) return r.AtEnd();
  std::string value;
  do {
    if (!r.String(&value)) return false;
    out->push_back(std::move(value));
  } while (r.Consume(','));
  return r.Consume(']') && r.AtEnd();
}

std::string EncodeFingerprints(const std::vector<uint64_t>& fps) {
  std::string out;
  out.reserve(fps.size() * 17);
  for (size_t i = 0; i < fps.size(); ++i) {
    if (i) out.push_back(',');
    out += FormatFingerprint(fps[i]);
  }
  return out;
}

bool DecodeFingerprints(std::string_view text, std::vector<uint64_t>* out) {
  out->clear();
  if (text.empty()) return true;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view part =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                             : comma - start);
    uint64_t fp;
    if (!ParseFingerprint(part, &fp)) return false;
    out->push_back(fp);
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

}  // namespace ab::sqlite
