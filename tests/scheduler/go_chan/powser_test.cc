// Go's test/chan/powser1.go (powser2.go is the same program over interface values):
// McIlroy's power series as networks of goroutines.
//
// A power series is a demand channel pair: its consumer sends a request on `req`
// and receives the next coefficient on `dat`. Every operator (sum, product,
// derivative, integral, exponential, substitution) is a goroutine consuming its
// operands' series and producing its own, and Split duplicates a series for two
// consumers with a chain of goroutines that hand the role of the leading consumer
// back and forth. The series are infinite, so the goroutines stay parked when main
// has checked its coefficients, as in Go.
//
// Go's getn receives one coefficient from each of two series with a select whose
// cases are switched off by setting their channels to nil; here it is a
// DynamicSelect over any number of series, switching cases off and on.
#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/dynamic_select.h"
#include "troupe/scheduler/select.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"

namespace troupe::go_chan {
namespace {

// ---- rationals ----

struct Rat {
  int64_t num;
  int64_t den;  // 0: the end of a finite series
  friend bool operator==(const Rat& a, const Rat& b) { return a.num == b.num && a.den == b.den; }
};

std::ostream& operator<<(std::ostream& out, const Rat& r) {
  return r.den == 1 ? out << r.num : out << r.num << "/" << r.den;
}

int64_t Gcd(int64_t u, int64_t v) {
  if (u < 0) return Gcd(-u, v);
  if (u == 0) return v;
  return Gcd(v % u, u);
}

Rat R(int64_t u, int64_t v = 1) {
  const int64_t g = Gcd(u, v);
  return v > 0 ? Rat{u / g, v / g} : Rat{-u / g, -v / g};
}

const Rat kZero = R(0);
const Rat kOne = R(1);
const Rat kFinis = R(1, 0);

bool IsEnd(const Rat& u) { return u.den == 0; }
Rat Plus(const Rat& u, const Rat& v) {
  const int64_t g = Gcd(u.den, v.den);
  return R(u.num * (v.den / g) + v.num * (u.den / g), u.den * (v.den / g));
}
Rat Times(const Rat& u, const Rat& v) {
  const int64_t g1 = Gcd(u.num, v.den);
  const int64_t g2 = Gcd(u.den, v.num);
  return Rat{(u.num / g1) * (v.num / g2), (u.den / g2) * (v.den / g1)};
}
Rat Negative(const Rat& u) { return R(-u.num, u.den); }
Rat Inverse(const Rat& u) {
  EXPECT_NE(u.num, 0) << "zero divide in Inverse";
  return R(u.den, u.num);
}

// ---- demand channels ----

// Copies name the same channels, as Go's *dch pointers do.
struct Series {
  Channel<int> req{0};
  Channel<Rat> dat{0};
};
using SeriesPair = std::array<Series, 2>;

// Every operation below fails (returns false or nullopt) only while the runtime
// is being destroyed; the goroutines then return.

// Waits for a demand on `out` and meets it.
bool Put(const Rat& value, const Series& out) {
  return out.req.Recv().has_value() && out.dat.Send(value).ok();
}

std::optional<Rat> Get(const Series& in) {
  if (!in.req.Send(0).ok()) return std::nullopt;
  return in.dat.Recv();
}

// Demands the next coefficient of every series in `in` at once, and receives them
// in whatever order they come.
std::optional<std::vector<Rat>> GetAll(const std::vector<Series>& in) {
  const int n = static_cast<int>(in.size());
  std::vector<Rat> out(n);
  std::vector<int> dat_case(n);
  DynamicSelect select;
  for (int i = 0; i < n; ++i) {
    // Once the demand is sent (the send case switches itself off), its answer.
    select.AddSend(in[i].req, 0, [&select, &dat_case, i](absl::Status sent) {
      if (sent.ok()) select.Enable(dat_case[i]);
    });
    dat_case[i] = select.AddRecv(in[i].dat, [&, i](std::optional<Rat> value) {
      if (value.has_value()) out[i] = *value;
      select.Disable(dat_case[i]);
    });
    select.Disable(dat_case[i]);
  }
  for (int fired = 0; fired < 2 * n; ++fired) {
    if (select.Run() < 0) return std::nullopt;
  }
  return out;
}

void Copy(const Series& in, const Series& out) {
  while (out.req.Recv().has_value()) {
    std::optional<Rat> value = Get(in);
    if (!value.has_value() || !out.dat.Send(*value).ok()) return;
  }
}

// One link of Split's chain: serves one coefficient of `in` to both of `out`,
// the first demand first, and starts the next link. `wait` says the previous link
// has finished with both outputs.
void SplitLink(Series in, SeriesPair out, Channel<int> wait) {
  bool both = false;  // whether this link found both outputs demanding
  int fired = Select(OnRecv(out[0].req, [](std::optional<int>) {}),
                     OnRecv(wait, [&](std::optional<int>) { both = true; }));
  if (fired < 0) return;
  if (both) {
    fired = Select(OnRecv(out[0].req, [](std::optional<int>) {}),
                   OnRecv(out[1].req, [&](std::optional<int>) { std::swap(out[0], out[1]); }));
    if (fired < 0) return;
  }
  if (!in.req.Send(0).ok()) return;
  Channel<int> release(0);
  Go([in, out, release] { SplitLink(in, out, release); });
  std::optional<Rat> value = in.dat.Recv();
  if (!value.has_value() || !out[0].dat.Send(*value).ok()) return;
  if (!both && !wait.Recv().has_value()) return;
  if (!out[1].req.Recv().has_value() || !out[1].dat.Send(*value).ok()) return;
  (void)release.Send(0);
}

void SplitInto(const Series& in, const SeriesPair& out) {
  Channel<int> release(0);
  Go([in, out, release] { SplitLink(in, out, release); });
  (void)release.Send(0);
}

SeriesPair Split(const Series& in) {
  SeriesPair out;
  Go([in, out] { SplitInto(in, out); });
  return out;
}

// ---- operators: each returns its result series, computed by goroutines ----

Series Repeat(Rat c) {
  Series z;
  Go([c, z] {
    while (Put(c, z)) {
    }
  });
  return z;
}

Series Sum(Series u, Series v) {
  Series z;
  Go([u, v, z] {
    while (z.req.Recv().has_value()) {
      std::optional<std::vector<Rat>> uv = GetAll({u, v});
      if (!uv.has_value()) return;
      const Rat a = (*uv)[0];
      const Rat b = (*uv)[1];
      if (IsEnd(a) && IsEnd(b)) {
        if (!z.dat.Send(kFinis).ok()) return;
      } else if (IsEnd(a)) {
        if (!z.dat.Send(b).ok()) return;
        Copy(v, z);
        return;
      } else if (IsEnd(b)) {
        if (!z.dat.Send(a).ok()) return;
        Copy(u, z);
        return;
      } else if (!z.dat.Send(Plus(a, b)).ok()) {
        return;
      }
    }
  });
  return z;
}

// c * U
Series ConstTimes(Rat c, Series u) {
  Series z;
  Go([c, u, z] {
    while (z.req.Recv().has_value()) {
      std::optional<Rat> a = Get(u);
      if (!a.has_value()) return;
      if (IsEnd(*a)) {
        (void)z.dat.Send(kFinis);
        return;
      }
      if (!z.dat.Send(Times(c, *a)).ok()) return;
    }
  });
  return z;
}

Series Difference(Series u, Series v) { return Sum(u, ConstTimes(Negative(kOne), v)); }

// c + x * U
Series Shift(Rat c, Series u) {
  Series z;
  Go([c, u, z] {
    if (Put(c, z)) Copy(u, z);
  });
  return z;
}

Series Product(Series u, Series v) {
  Series z;
  Go([u, v, z] {
    if (!z.req.Recv().has_value()) return;
    std::optional<std::vector<Rat>> uv = GetAll({u, v});
    if (!uv.has_value()) return;
    const Rat u0 = (*uv)[0];
    const Rat v0 = (*uv)[1];
    if (IsEnd(u0) || IsEnd(v0)) {
      (void)z.dat.Send(kFinis);
      return;
    }
    if (!z.dat.Send(Times(u0, v0)).ok()) return;
    // (u0 + x U1)(v0 + x V1) = u0 v0 + x (u0 V1 + v0 U1) + x^2 U1 V1
    const SeriesPair uu = Split(u);
    const SeriesPair vv = Split(v);
    const Series w = Sum(ConstTimes(u0, vv[0]), ConstTimes(v0, uu[0]));
    if (!z.req.Recv().has_value()) return;
    std::optional<Rat> w0 = Get(w);
    if (!w0.has_value() || !z.dat.Send(*w0).ok()) return;
    Copy(Sum(w, Product(uu[1], vv[1])), z);
  });
  return z;
}

Series Derivative(Series u) {
  Series z;
  Go([u, z] {
    if (!z.req.Recv().has_value()) return;
    std::optional<Rat> a = Get(u);
    if (!a.has_value()) return;
    if (!IsEnd(*a)) {
      for (int i = 1;; ++i) {
        a = Get(u);
        if (!a.has_value()) return;
        if (IsEnd(*a)) break;
        if (!z.dat.Send(Times(R(i), *a)).ok() || !z.req.Recv().has_value()) return;
      }
    }
    (void)z.dat.Send(kFinis);
  });
  return z;
}

// c + the integral of U
Series Integral(Rat c, Series u) {
  Series z;
  Go([c, u, z] {
    if (!Put(c, z)) return;
    for (int i = 1;; ++i) {
      if (!z.req.Recv().has_value()) return;
      std::optional<Rat> a = Get(u);
      if (!a.has_value()) return;
      if (!z.dat.Send(Times(R(1, i), *a)).ok()) return;
      if (IsEnd(*a)) break;
    }
    (void)z.dat.Send(kFinis);
  });
  return z;
}

// 1/U: Z = z0 + x Z1 with z0 = 1/U(0) and Z1 = -z0 U1 Z, where U = U(0) + x U1;
// Z feeds on itself through a split.
Series Reciprocal(Series u) {
  Series z;
  Go([u, z] {
    if (!z.req.Recv().has_value()) return;
    std::optional<Rat> u0 = Get(u);
    if (!u0.has_value()) return;
    const Rat z0 = Inverse(*u0);
    if (!z.dat.Send(z0).ok()) return;
    const SeriesPair zz;
    SplitInto(Product(ConstTimes(Negative(z0), u), Shift(z0, zz[0])), zz);
    Copy(zz[1], z);
  });
  return z;
}

// exp(U), for U(0) = 0: the series Z with Z' = Z U', Z(0) = 1, which feeds on itself.
Series Exponential(Series u) {
  const SeriesPair zz;
  SplitInto(Integral(kOne, Product(zz[0], Derivative(u))), zz);
  return zz[1];
}

// U(c x^n)
Series MonomialSubstitution(Series u, Rat c0, int n) {
  Series z;
  Go([u, c0, n, z] {
    Rat c = kOne;
    for (;;) {
      if (!z.req.Recv().has_value()) return;
      std::optional<Rat> a = Get(u);
      if (!a.has_value() || !z.dat.Send(Times(*a, c)).ok()) return;
      c = Times(c, c0);
      if (IsEnd(*a)) {
        (void)z.dat.Send(kFinis);
        return;
      }
      for (int i = 1; i < n; ++i) {
        if (!z.req.Recv().has_value() || !z.dat.Send(kZero).ok()) return;
      }
    }
  });
  return z;
}

// ---- the checks of powser1's main ----

constexpr int kTerms = 10;

// The next `expected.size()` coefficients of `series`.
void ExpectCoefficients(const Series& series, const std::vector<Rat>& expected,
                        const char* what) {
  for (std::size_t i = 0; i < expected.size(); ++i) {
    std::optional<Rat> got = Get(series);
    ASSERT_TRUE(got.has_value()) << what;
    EXPECT_EQ(*got, expected[i]) << what << ", coefficient " << i;
  }
}

std::vector<Rat> Coefficients(int count, Rat (*nth)(int)) {
  std::vector<Rat> out;
  for (int i = 0; i < count; ++i) out.push_back(nth(i));
  return out;
}

using PowerSeriesTest = GoProgramTest;

TEST_P(PowerSeriesTest, OperatorNetworksComputeTheExpectedCoefficients) {
  RunProgram([] {
    const Series ones = Repeat(kOne);
    const Series twos = Repeat(R(2));
    ExpectCoefficients(ones, std::vector<Rat>(5, kOne), "Ones");
    ExpectCoefficients(Sum(ones, twos), std::vector<Rat>(kTerms, R(3)), "Ones + Twos");
    ExpectCoefficients(Derivative(ones), Coefficients(kTerms, [](int i) { return R(i + 1); }),
                       "Diff(Ones)");  // 1 2 3 4 ...
    ExpectCoefficients(Integral(kZero, ones),
                       Coefficients(kTerms, [](int i) { return i == 0 ? kZero : R(1, i); }),
                       "Integ(0, Ones)");  // 0 1 1/2 1/3 ...
    ExpectCoefficients(ConstTimes(Negative(kOne), twos), std::vector<Rat>(kTerms, R(-2)),
                       "CMul(-1, Twos)");
    ExpectCoefficients(Difference(ones, twos), std::vector<Rat>(kTerms, R(-1)),
                       "Ones - Twos");
    ExpectCoefficients(Product(ones, ones), Coefficients(kTerms, [](int i) { return R(i + 1); }),
                       "Ones * Ones");  // 1/(1-x)^2
    // exp(1/(1-x) - 1), as Go's expected values (OEIS A000262 / n!).
    ExpectCoefficients(Exponential(ones),
                       {R(1), R(1), R(3, 2), R(13, 6), R(73, 24), R(167, 40), R(4051, 720),
                        R(37633, 5040), R(43817, 4480), R(4596553, 362880)},
                       "Exp(Ones)");
    // 1/(1 + x + x^2 + ...) = 1 - x (powser1 defines Recip but checks nothing of it)
    ExpectCoefficients(Reciprocal(ones),
                       Coefficients(kTerms, [](int i) { return i == 0 ? kOne : i == 1 ? R(-1) : kZero; }),
                       "Recip(Ones)");
    // atan(x) = integral of 1/(1 + x^2): 0 1 0 -1/3 0 1/5 ...
    ExpectCoefficients(Integral(kZero, MonomialSubstitution(ones, Negative(kOne), 2)),
                       Coefficients(kTerms,
                                    [](int i) {
                                      if (i % 2 == 0) return kZero;
                                      return R(i % 4 == 1 ? 1 : -1, i);
                                    }),
                       "ATan");
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(PowerSeriesTest);

}  // namespace
}  // namespace troupe::go_chan
