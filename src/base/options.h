// The option engine: every URI query parameter of every connector (Kafka sink and source,
// database sinks, MariaDB and PostgreSQL sources, the codecs' options) is declared once as an
// OptionSpec — kind, default, bounds, enum values, aliases, secret flag, doc text — in an
// OptionSet bound to the struct it fills. The same declaration drives
//   - parsing and validation (ParseQuery): unknown names get a "did you mean", repeated names,
//     bad values and out-of-range values one error naming the parameter and the fix;
//   - redaction (RedactQuery): secret parameters are shown as base::kSecretMask;
//   - the generated reference pages (OptionsMarkdown) and the API's JSON
//     (GET /api/v1/options/<scheme>).
//
// Sets compose: a part declared once (the Kafka connection options, a codec's options) is
// included into a bigger set with Include(part, &Outer::member).
//
// Value grammars (one each, for every option):
//   bool      Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False
//   integer   decimal, within [min, max]
//   duration  Go's time.ParseDuration: "500ms", "10s", "1m30s", "1.5h" (base::ParseGoDuration);
//             with bare_number_ms also a plain integer of milliseconds
//   enum      one of `allowed` or an alias, case-insensitive; the canonical value is kept
//   string    non-empty; matching `pattern` (ECMAScript regex) when given
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::base {

enum class OptionKind { kBool, kInt, kDuration, kEnum, kString };
// "bool", "integer", "duration", "enum", "string".
std::string_view OptionKindName(OptionKind kind);

enum class OptionSecret {
  kNo,
  kYes,             // the whole value is a secret (a password)
  kUrlCredentials,  // the value is a URL whose userinfo password is a secret
};

// One URI query parameter.
struct OptionSpec {
  std::string_view name;
  OptionKind kind = OptionKind::kString;
  std::string_view default_text;  // as shown in the docs ("" = none)
  std::string_view doc;
  int64_t min = 0;  // kInt: bounds; kDuration: bounds in milliseconds
  int64_t max = 0;
  std::vector<std::string_view> allowed;                               // kEnum
  std::vector<std::pair<std::string_view, std::string_view>> aliases;  // kEnum: alias -> value
  std::string_view pattern;      // kString: regex the whole value must match
  std::string_view pattern_doc;  // kString: what the pattern allows, for errors and docs
  OptionSecret secret = OptionSecret::kNo;
  bool bare_number_ms = false;   // kDuration: a plain integer counts as milliseconds
  bool plus_is_literal = false;  // '+' in the value is not a space (regular expressions)
  // Non-empty: the option applies only to this target of a multi-target connector ("mysql",
  // "postgres"); elsewhere it is an error.
  std::string_view only_for;
};

// A value after kind-specific parsing and bounds checks.
struct OptionValue {
  bool b = false;
  int64_t i = 0;
  std::chrono::milliseconds d{0};
  std::string s;  // kEnum: the canonical value; otherwise the value as given (decoded)
};

// What a parser is parsing, for error messages.
struct OptionContext {
  std::string_view what = "URI";  // starts every message: "sink URI", "source URI"
  std::string_view doc_path;      // the reference page, e.g. "docs/kafka-sink-options.md"
  std::string_view target;        // for OptionSpec::only_for ("mysql", "postgres")
  std::string_view scheme;        // as written, for only_for errors
};

// The query parameters as given (percent-decoded), in order.
struct GivenOptions {
  std::vector<std::pair<std::string, std::string>> items;
  bool Has(std::string_view name) const;
};

// Validates `raw` (decoded) against `spec`. Errors never echo a secret value.
Result<OptionValue> ParseOptionValue(const OptionSpec& spec, const std::string& raw,
                                     const OptionContext& ctx);

// The error for an unknown parameter: the closest names ("did you mean"), and for small tables
// (<= 12 options) the list of valid names; always the reference page when there is one.
Status UnknownOptionError(const std::vector<const OptionSpec*>& specs, std::string_view name,
                          const OptionContext& ctx);

// Splits and decodes a raw query and validates each item; calls `apply(index, value)` with the
// index into `specs`. Returns the given options.
Result<GivenOptions> ParseQueryItems(
    const std::vector<const OptionSpec*>& specs, std::string_view raw_query,
    const OptionContext& ctx, const std::function<Status(size_t, const OptionValue&)>& apply);

// "name=value&..." of `given` with every secret value masked and values percent-encoded.
std::string RedactQuery(const std::vector<const OptionSpec*>& specs, const GivenOptions& given);

// Markdown table "| Parameter | Type | Default | Allowed values | Description |" of `specs`.
std::string OptionsMarkdown(const std::vector<const OptionSpec*>& specs);

// The "Allowed values" text of one spec ("1 .. 100", "`a`, `b`", "any").
std::string OptionAllowedText(const OptionSpec& spec);

// Enum names <-> values, declared once per enum.
template <typename E>
struct EnumNames {
  std::vector<std::pair<std::string_view, E>> items;

  std::string_view Name(E e) const {
    for (const auto& [n, v] : items) {
      if (v == e) return n;
    }
    return "?";
  }
  std::optional<E> Find(std::string_view name) const {
    for (const auto& [n, v] : items) {
      if (n == name) return v;
    }
    return std::nullopt;
  }
  std::vector<std::string_view> Names() const {
    std::vector<std::string_view> out;
    for (const auto& [n, v] : items) out.push_back(n);
    return out;
  }
};

// The options of one struct T.
template <typename T>
class OptionSet {
 public:
  using Apply = std::function<Status(T&, const OptionValue&)>;
  // Cross-parameter rules, run after every parameter is applied.
  using Validator = std::function<Status(T&, const GivenOptions&, const OptionContext&)>;
  struct Entry {
    OptionSpec spec;
    Apply apply;
  };

  OptionSet() = default;
  OptionSet(std::initializer_list<Entry> entries) : entries_(entries) {}

  OptionSet& Add(OptionSpec spec, Apply apply) {
    entries_.push_back({std::move(spec), std::move(apply)});
    return *this;
  }
  OptionSet& AddValidator(Validator v) {
    validators_.push_back(std::move(v));
    return *this;
  }

  // Adds every option and rule of `part`, applied to the member `member` of T.
  template <typename U>
  OptionSet& Include(const OptionSet<U>& part, U T::*member) {
    for (const auto& e : part.entries()) {
      entries_.push_back({e.spec, [apply = e.apply, member](T& t, const OptionValue& v) {
                            return apply(t.*member, v);
                          }});
    }
    for (const auto& v : part.validators()) {
      validators_.push_back([v, member](T& t, const GivenOptions& g, const OptionContext& c) {
        return v(t.*member, g, c);
      });
    }
    return *this;
  }

  const std::vector<Entry>& entries() const { return entries_; }
  const std::vector<Validator>& validators() const { return validators_; }

  std::vector<const OptionSpec*> specs() const {
    std::vector<const OptionSpec*> out;
    for (const auto& e : entries_) out.push_back(&e.spec);
    return out;
  }

  const OptionSpec* Find(std::string_view name) const {
    for (const auto& e : entries_) {
      if (e.spec.name == name) return &e.spec;
    }
    return nullptr;
  }

  // Parses a raw query into `out`, then runs the validators.
  Result<GivenOptions> ParseQuery(std::string_view raw_query, T& out,
                                  const OptionContext& ctx) const {
    SLUICE_ASSIGN_OR_RETURN(
        GivenOptions given,
        ParseQueryItems(specs(), raw_query, ctx, [&](size_t i, const OptionValue& v) {
          return entries_[i].apply(out, v);
        }));
    for (const auto& v : validators_) SLUICE_RETURN_IF_ERROR(v(out, given, ctx));
    return given;
  }

 private:
  std::vector<Entry> entries_;
  std::vector<Validator> validators_;
};

// Apply helpers for the common case "store the value in this field".
template <typename T, typename F>
std::function<Status(T&, const OptionValue&)> SetField(F T::*field) {
  return [field](T& t, const OptionValue& v) {
    F& f = t.*field;
    if constexpr (std::is_same_v<F, bool>) {
      f = v.b;
    } else if constexpr (std::is_same_v<F, std::chrono::milliseconds>) {
      f = v.d;
    } else if constexpr (std::is_same_v<F, std::string>) {
      f = v.s;
    } else if constexpr (std::is_integral_v<F>) {
      f = static_cast<F>(v.i);
    } else {
      f = static_cast<typename F::value_type>(v.i);  // std::optional<integral>
    }
    return Status::Ok();
  };
}

template <typename T, typename E>
std::function<Status(T&, const OptionValue&)> SetEnum(E T::*field, const EnumNames<E>& names) {
  return [field, &names](T& t, const OptionValue& v) {
    if (auto e = names.Find(v.s)) t.*field = *e;
    return Status::Ok();
  };
}

}  // namespace sluice::base
