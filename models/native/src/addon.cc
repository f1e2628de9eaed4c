// N-API surface of the fused ConvLSTM kernels. Calls are synchronous: a TensorFlow.js custom op
// must return its tensors from the forward function and its gradients from the gradient function,
// so the JS thread waits either way; it joins the thread pool instead of idling (an AsyncWorker
// would only add a hop). Every argument is validated here, before any memory is touched, and a
// bad one throws a JS TypeError/RangeError with a message (never a crash).
#include <napi.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adam.h"
#include "convlstm.h"
#include "masked_loss.h"
#include "pool.h"

namespace gridcast {

namespace {
bool winogradOn = [] {
  const char* e = std::getenv("GRIDCAST_NATIVE_WINOGRAD");
  return e == nullptr || std::strcmp(e, "0") != 0;
}();
}  // namespace
bool winogradEnabled() { return winogradOn; }
void setWinogradEnabled(bool on) { winogradOn = on; }

namespace {

std::vector<const Kernels*> availableKernels() {
  std::vector<const Kernels*> out;
#if defined(GRIDCAST_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("fma"))
    out.push_back(kernelsAvx512());
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back(kernelsAvx2());
#endif
  out.push_back(kernelsPortable());
  return out;
}

const Kernels* selectKernels(const std::string& name) {
  for (const Kernels* k : availableKernels())
    if (name == "auto" || name == k->name) return k;
  return nullptr;
}

const Kernels* active = nullptr;

const Kernels* current() {
  if (active == nullptr) {
    const char* env = std::getenv("GRIDCAST_ISA");
    if (env != nullptr && *env != '\0') active = selectKernels(env);
    if (active == nullptr) active = selectKernels("auto");
  }
  return active;
}

/** The saved forward state behind a JS External; `s` is released by backward() or release(). */
struct Handle {
  Saved* s = nullptr;
  int64_t accounted = 0;
};

void freeHandle(Napi::Env env, Handle* h) {
  if (h->s != nullptr) {
    Napi::MemoryManagement::AdjustExternalMemory(env, -h->accounted);
    delete h->s;
    h->s = nullptr;
  }
}

const float* floats(const Napi::CallbackInfo& info, size_t idx, const char* name, size_t expected, bool nullable = false) {
  Napi::Env env = info.Env();
  Napi::Value v = info[idx];
  if (nullable && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(name) + " must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != expected)
    throw Napi::RangeError::New(env, std::string(name) + " must have " + std::to_string(expected) + " elements, got " +
                                         std::to_string(a.ElementLength()));
  return a.Data();
}

Dims readDims(const Napi::CallbackInfo& info, size_t idx) {
  Napi::Env env = info.Env();
  if (!info[idx].IsArray()) throw Napi::TypeError::New(env, "dims must be an array [B,T,Cin,H,W,hidden,kh,kw,hasBias]");
  Napi::Array a = info[idx].As<Napi::Array>();
  if (a.Length() != 9) throw Napi::RangeError::New(env, "dims must have 9 entries [B,T,Cin,H,W,hidden,kh,kw,hasBias]");
  const char* names[] = {"B", "T", "Cin", "H", "W", "hidden", "kh", "kw", "hasBias"};
  int v[9];
  for (uint32_t i = 0; i < 9; ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(env, std::string("dims.") + names[i] + " must be a number");
    double d = e.As<Napi::Number>().DoubleValue();
    const double lo = i == 8 ? 0 : 1;
    if (!(d >= lo && d <= (1 << 20)) || d != static_cast<int>(d))
      throw Napi::RangeError::New(env, std::string("dims.") + names[i] + " must be an integer in [" +
                                           std::to_string(static_cast<int>(lo)) + ", 2^20], got " + e.ToString().Utf8Value());
    v[i] = static_cast<int>(d);
  }
  Dims d{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] != 0};
  if (d.kh % 2 == 0 || d.kw % 2 == 0)
    throw Napi::RangeError::New(env, "kernel sizes must be odd for 'same' padding, got " + std::to_string(d.kh) + "x" +
                                         std::to_string(d.kw));
  // Bound the largest internal buffer (gates, ~4 x outputs) so no index can overflow.
  const double gates = 4.0 * d.B * d.T * d.H * d.W * (d.hid + 16);
  const double z = (d.T + 1.0) * d.B * (d.H + d.kh) * (d.W + d.kw) * (d.Cin + d.hid);
  if (gates > 4e9 || z > 4e9) throw Napi::RangeError::New(env, "ConvLSTM layer too large for the native kernels");
  return d;
}

size_t sz(std::initializer_list<int> dims) {
  size_t n = 1;
  for (int d : dims) n *= static_cast<size_t>(d);
  return n;
}

// Call shapes under this many multiply-adds per time step are timed in auto mode (see ModeScope
// below); info().autoMaxMacs reports it to TypeScript (bench:models), so it is defined once.
constexpr double AUTO_MAX_MACS = 64e6;

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", current()->name);
  o.Set("lanes", current()->V);
  o.Set("threads", poolThreads());
  Napi::Array isas = Napi::Array::New(env);
  uint32_t i = 0;
  for (const Kernels* k : availableKernels()) isas.Set(i++, k->name);
  o.Set("isas", isas);
  o.Set("autoMaxMacs", AUTO_MAX_MACS);
  o.Set("winograd", winogradEnabled());
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "threads must be a number");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (n == 0) n = poolDefaultThreads();
  if (!(n >= 1 && n <= 1024) || n != static_cast<int>(n))
    throw Napi::RangeError::New(env, "threads must be an integer in [1, 1024] (0 = default), got " + info[0].ToString().Utf8Value());
  poolSetThreads(static_cast<int>(n));
  return Napi::Number::New(env, poolThreads());
}

// Tiny layer calls can be faster on the calling thread alone than on the pool: waking the other
// cores, the per-region hand-offs and moving h_t between the cores' caches can cost more than the
// other cores add. Which way wins depends on the machine, not only on the size: at the seed's shape
// (4,5,2,12,12,14,2: 4.6 and 8.1 M multiply-adds per step in its two layers), bench:models with
// PyTorch interleaved, training step serial vs pool: AMD EPYC Zen 3 (2026-11-27 02:00) 12.5-12.7 ms
// vs 14.9-15.3 (serial faster); a Xeon with AVX-512 (2026-11-27 04:15) 8.6-9.1 ms vs 5.8-6.6 (pool
// faster: ratio to PyTorch 0.53-0.56 vs 0.42-0.43). A fixed threshold was right on one and wrong on
// the other, so by default ("auto") each call shape under AUTO_MAX_MACS per step is timed both ways
// on its first calls and then runs the faster way (as cudnn.benchmark picks algorithms); larger ones
// always use the pool (the next shape up, 340 M per step, is ~1.8x faster on two cores). Results do
// not change: items run in order on one thread, as with GRIDCAST_THREADS=1 (kernels.inc).
// GRIDCAST_NATIVE_SERIAL_MACS=n (or setSerialBelow(n)) replaces this with a fixed rule: calls under
// n multiply-adds per step run serially, the rest on the pool (0 = always the pool).
double serialBelowMacs = [] {  // < 0: auto
  const char* env = std::getenv("GRIDCAST_NATIVE_SERIAL_MACS");
  if (env != nullptr && *env != '\0' && std::strcmp(env, "auto") != 0) {
    char* end = nullptr;
    double v = std::strtod(env, &end);
    if (end != env && *end == '\0' && v >= 0) return v;
  }
  return -1.0;
}();

double layerMacs(const Dims& d) {
  return static_cast<double>(d.B) * d.H * d.W * d.kh * d.kw * (d.Cin + d.hid) * 4.0 * d.hid;
}

// Auto mode's timings per call shape: call 0 (buffer allocation, first touches) runs on the pool
// untimed, calls 1..2*AUTO_TRIALS alternate serial and pool, and the better best-of-AUTO_TRIALS
// decides for every later call of that shape (and kind, and thread count).
constexpr int AUTO_TRIALS = 2;
enum CallKind { kForwardTrain = 0, kForwardInfer = 1, kBackward = 2 };
struct AutoEntry {
  int calls = 0;
  double best[2] = {1e300, 1e300};  // [pool, serial] milliseconds
  int serial = -1;                  // decision: -1 undecided, 0 pool, 1 serial
};
using AutoKey = std::array<int, 11>;
std::mutex autoMu;
std::map<AutoKey, AutoEntry> autoTable;

// Chooses serial or pool for one layer call and, while auto mode is still deciding for its shape,
// times it: record() after the call completed (a call that throws is not counted).
class ModeScope {
 public:
  ModeScope(const Dims& d, CallKind kind) {
    bool serial = false;
    const double macs = layerMacs(d);
    if (serialBelowMacs >= 0) {
      serial = macs < serialBelowMacs;
    } else if (macs < AUTO_MAX_MACS && poolThreads() > 1) {
      key_ = {kind, d.B, d.T, d.Cin, d.H, d.W, d.hid, d.kh, d.kw, d.hasBias ? 1 : 0, poolThreads()};
      std::lock_guard<std::mutex> lock(autoMu);
      AutoEntry& e = autoTable[key_];
      if (e.serial >= 0) {
        serial = e.serial == 1;
      } else {
        trial_ = e.calls++;
        serial = trial_ % 2 == 1;
        if (trial_ > 0) t0_ = std::chrono::steady_clock::now();
      }
    }
    scope_.emplace(serial);
  }
  void record() {
    if (trial_ <= 0) return;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
    std::lock_guard<std::mutex> lock(autoMu);
    AutoEntry& e = autoTable[key_];
    if (e.serial >= 0) return;
    double& best = e.best[trial_ % 2];
    best = std::min(best, ms);
    if (trial_ >= 2 * AUTO_TRIALS) e.serial = e.best[1] < e.best[0] ? 1 : 0;
  }

 private:
  AutoKey key_{};
  int trial_ = -1;
  std::chrono::steady_clock::time_point t0_;
  std::optional<SerialScope> scope_;
};

// serialChoices() -> [{ kind, dims, threads, poolMs, serialMs, serial: true|false|null }]: auto
// mode's timings and decisions so far (for benchmarks and diagnostics).
Napi::Value SerialChoices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(autoMu);
  Napi::Array out = Napi::Array::New(env, autoTable.size());
  uint32_t i = 0;
  static const char* kinds[] = {"forward", "inference", "backward"};
  for (const auto& [k, e] : autoTable) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", kinds[k[0]]);
    Napi::Array dims = Napi::Array::New(env, 9);
    for (uint32_t j = 0; j < 9; ++j) dims.Set(j, k[j + 1]);
    o.Set("dims", dims);
    o.Set("threads", k[10]);
    o.Set("poolMs", e.best[0] < 1e300 ? Napi::Value(Napi::Number::New(env, e.best[0])) : env.Null());
    o.Set("serialMs", e.best[1] < 1e300 ? Napi::Value(Napi::Number::New(env, e.best[1])) : env.Null());
    o.Set("serial", e.serial < 0 ? env.Null() : Napi::Value(Napi::Boolean::New(env, e.serial == 1)));
    out.Set(i++, o);
  }
  return out;
}

// setSerialBelow(macs) -> macs: layer calls under `macs` multiply-adds per step run single-threaded,
// the rest on the pool; -1 = auto (the default; timings start over). Returns the setting.
Napi::Value SetSerialBelow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "macs must be a number");
  const double v = info[0].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 || v == -1) || !std::isfinite(v))
    throw Napi::RangeError::New(env, "macs must be a finite number >= 0 (or -1 for auto), got " + info[0].ToString().Utf8Value());
  serialBelowMacs = v;
  if (v < 0) {
    std::lock_guard<std::mutex> lock(autoMu);
    autoTable.clear();
  }
  return Napi::Number::New(env, serialBelowMacs);
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "isa must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const Kernels* k = selectKernels(name);
  if (k == nullptr) throw Napi::RangeError::New(env, "instruction set '" + name + "' is not available on this CPU");
  active = k;
  return Napi::String::New(env, k->name);
}

// setWinograd(on) -> on: 3x3 convolutions by Winograd F(2x2, 3x3) (true, the default) or direct.
Napi::Value SetWinograd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(env, "setWinograd expects a boolean");
  setWinogradEnabled(info[0].As<Napi::Boolean>().Value());
  return Napi::Boolean::New(env, winogradEnabled());
}

// forward(dims, x, kernel, bias|null, h0, c0, out, hT, cT, keep) -> External | null
Napi::Value Forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 10) throw Napi::TypeError::New(env, "forward expects 10 arguments");
  Dims d = readDims(info, 0);
  const int C = d.Cin + d.hid;
  const float* x = floats(info, 1, "x", sz({d.B, d.T, d.Cin, d.H, d.W}));
  const float* w = floats(info, 2, "kernel", sz({d.kh, d.kw, C, 4 * d.hid}));
  const float* b = floats(info, 3, "bias", sz({4 * d.hid}), true);
  if ((b != nullptr) != d.hasBias) throw Napi::TypeError::New(env, "bias presence does not match dims.hasBias");
  const size_t st = sz({d.B, d.hid, d.H, d.W});
  const float* h0 = floats(info, 4, "h0", st);
  const float* c0 = floats(info, 5, "c0", st);
  float* out = const_cast<float*>(floats(info, 6, "outputs", sz({d.B, d.T, d.hid, d.H, d.W})));
  float* hT = const_cast<float*>(floats(info, 7, "h", st));
  float* cT = const_cast<float*>(floats(info, 8, "c", st));
  const bool keep = info[9].ToBoolean().Value();
  Saved* s = new Saved();
  try {
    s->k = current();
    ModeScope mode(d, keep ? kForwardTrain : kForwardInfer);
    s->k->forward(d, x, w, b, h0, c0, out, hT, cT, keep, *s);
    mode.record();
  } catch (const std::bad_alloc&) {
    delete s;
    throw Napi::Error::New(env, "out of memory in the native ConvLSTM forward pass");
  }
  if (!keep) {
    delete s;
    return env.Null();
  }
  Handle* h = new Handle{s, static_cast<int64_t>(s->bytes())};
  Napi::MemoryManagement::AdjustExternalMemory(env, h->accounted);
  return Napi::External<Handle>::New(env, h, [](Napi::Env e, Handle* hh) {
    freeHandle(e, hh);
    delete hh;
  });
}

Handle* handleArg(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "state must be the handle returned by forward");
  return info[0].As<Napi::External<Handle>>().Data();
}

// backward(state, kernel, dOut, dhT, dcT, dx, dKernel, dBias|null, dh0, dc0); consumes the state.
Napi::Value Backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 10) throw Napi::TypeError::New(env, "backward expects 10 arguments");
  Handle* h = handleArg(info);
  if (h->s == nullptr) throw Napi::Error::New(env, "the forward state was already used or released");
  const Dims& d = h->s->d;
  const int C = d.Cin + d.hid;
  const size_t st = sz({d.B, d.hid, d.H, d.W});
  const float* w = floats(info, 1, "kernel", sz({d.kh, d.kw, C, 4 * d.hid}));
  const float* dOut = floats(info, 2, "dOutputs", sz({d.B, d.T, d.hid, d.H, d.W}));
  const float* dhT = floats(info, 3, "dh", st);
  const float* dcT = floats(info, 4, "dc", st);
  float* dx = const_cast<float*>(floats(info, 5, "dx", sz({d.B, d.T, d.Cin, d.H, d.W})));
  float* dw = const_cast<float*>(floats(info, 6, "dKernel", sz({d.kh, d.kw, C, 4 * d.hid})));
  float* db = const_cast<float*>(floats(info, 7, "dBias", sz({4 * d.hid}), true));
  float* dh0 = const_cast<float*>(floats(info, 8, "dh0", st));
  float* dc0 = const_cast<float*>(floats(info, 9, "dc0", st));
  try {
    ModeScope mode(d, kBackward);
    h->s->k->backward(*h->s, w, dOut, dhT, dcT, dx, dw, db, dh0, dc0);
    mode.record();
  } catch (const std::bad_alloc&) {
    freeHandle(env, h);
    throw Napi::Error::New(env, "out of memory in the native ConvLSTM backward pass");
  } catch (const std::exception& e) {
    freeHandle(env, h);
    throw Napi::Error::New(env, std::string("native ConvLSTM backward: ") + e.what());
  }
  freeHandle(env, h);
  return env.Undefined();
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  freeHandle(info.Env(), handleArg(info));
  return info.Env().Undefined();
}

Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  double seconds = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0.2;
  if (!(seconds > 0 && seconds <= 10)) throw Napi::RangeError::New(info.Env(), "seconds must be in (0, 10]");
  return Napi::Number::New(info.Env(), current()->fmaPeak(seconds));
}

Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(trimBufferCache()));
}

Napi::Float32Array f32Arg(const Napi::CallbackInfo& info, size_t idx, const char* name) {
  Napi::Value v = info[idx];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  return v.As<Napi::Float32Array>();
}

// maskedLoss(pred, target, mae) -> [loss, count]: loss = sum(mask * (p-t)^2 | |p-t|) / max(1, count),
// float64 accumulation in a fixed order (independent of the thread count).
Napi::Value MaskedLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "maskedLoss expects 3 arguments");
  Napi::Float32Array p = f32Arg(info, 0, "pred");
  const float* t = floats(info, 1, "target", p.ElementLength());
  const bool mae = info[2].ToBoolean().Value();
  double sum = 0;
  int64_t count = 0;
  maskedLossForward(p.Data(), t, p.ElementLength(), mae, &sum, &count);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sum / static_cast<double>(count > 1 ? count : 1)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(count)));
  return out;
}

// maskedLossGrad(pred, target, mae, scale, grad): grad = mask * 2(p-t) * scale (mae: mask * sign(p-t)
// * scale), scale = upstream gradient / max(1, count). Writes every element of grad.
Napi::Value MaskedLossGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "maskedLossGrad expects 5 arguments");
  Napi::Float32Array p = f32Arg(info, 0, "pred");
  const size_t n = p.ElementLength();
  const float* t = floats(info, 1, "target", n);
  const bool mae = info[2].ToBoolean().Value();
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "scale must be a number");
  const double scale = info[3].As<Napi::Number>().DoubleValue();
  float* g = const_cast<float*>(floats(info, 4, "grad", n));
  maskedLossBackward(p.Data(), t, n, mae, scale, g);
  return env.Undefined();
}


// One list argument of adamUpdate: an array of `count` Float32Arrays; element views and lengths.
std::vector<Napi::Float32Array> f32List(const Napi::CallbackInfo& info, size_t idx, const char* name, uint32_t count) {
  Napi::Env env = info.Env();
  if (!info[idx].IsArray()) throw Napi::TypeError::New(env, std::string(name) + " must be an array of Float32Array");
  Napi::Array a = info[idx].As<Napi::Array>();
  if (a.Length() != count)
    throw Napi::RangeError::New(env, std::string(name) + " must have " + std::to_string(count) + " entries, got " +
                                         std::to_string(a.Length()));
  std::vector<Napi::Float32Array> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(env, std::string(name) + "[" + std::to_string(i) + "] must be a Float32Array");
    out.push_back(v.As<Napi::Float32Array>());
  }
  return out;
}

// adamUpdate(hyper, w[], g[], m[], v[], wOut[], mOut[], vOut[]): one Adam step for every variable.
// hyper = Float32Array [beta1, 1-beta1, beta2, 1-beta2, 1-accBeta1, 1-accBeta2, epsilon, -lr] (float32
// values, rounded by the caller as TF.js rounds them). Outputs may be the very same arrays as w, m, v
// (in place); any other overlap between an output and another array is rejected, since it would make
// the result depend on the order the threads run in. Lengths must agree per variable.
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) throw Napi::TypeError::New(env, "adamUpdate expects 8 arguments");
  const float* hp = floats(info, 0, "hyper", 8);
  AdamHyper h{hp[0], hp[1], hp[2], hp[3], hp[4], hp[5], hp[6], hp[7]};
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "w must be an array of Float32Array");
  const uint32_t count = info[1].As<Napi::Array>().Length();
  const char* names[7] = {"w", "g", "m", "v", "wOut", "mOut", "vOut"};
  std::vector<Napi::Float32Array> lists[7];
  for (int k = 0; k < 7; ++k) lists[k] = f32List(info, 1 + k, names[k], count);

  struct Range {
    uintptr_t lo, hi;
    uint32_t var;
    int kind;
  };
  std::vector<Range> outs;
  std::vector<AdamSlot> slots(count);
  for (uint32_t i = 0; i < count; ++i) {
    const size_t n = lists[0][i].ElementLength();
    for (int k = 1; k < 7; ++k)
      if (lists[k][i].ElementLength() != n)
        throw Napi::RangeError::New(env, std::string(names[k]) + "[" + std::to_string(i) + "] has " +
                                             std::to_string(lists[k][i].ElementLength()) + " elements, w[" +
                                             std::to_string(i) + "] has " + std::to_string(n));
    float* p[7];
    for (int k = 0; k < 7; ++k) p[k] = lists[k][i].Data();
    slots[i] = AdamSlot{p[0], p[1], p[2], p[3], p[4], p[5], p[6], n};
    if (n == 0) continue;
    for (int k = 4; k < 7; ++k) {
      const uintptr_t lo = reinterpret_cast<uintptr_t>(p[k]);
      outs.push_back({lo, lo + n * sizeof(float), i, k});
    }
  }
  // Outputs pairwise disjoint (sorted by start, each must end before the next begins).
  std::sort(outs.begin(), outs.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
  for (size_t j = 1; j < outs.size(); ++j)
    if (outs[j].lo < outs[j - 1].hi)
      throw Napi::RangeError::New(env, std::string(names[outs[j].kind]) + "[" + std::to_string(outs[j].var) + "] overlaps " +
                                           names[outs[j - 1].kind] + "[" + std::to_string(outs[j - 1].var) + "]");
  // Inputs: either exactly their own output (in place) or disjoint from every output.
  const int ownKind[4] = {4, -1, 5, 6};  // w -> wOut, g -> none, m -> mOut, v -> vOut
  for (uint32_t i = 0; i < count; ++i) {
    const size_t n = slots[i].n;
    if (n == 0) continue;
    for (int k = 0; k < 4; ++k) {
      const uintptr_t lo = reinterpret_cast<uintptr_t>(lists[k][i].Data()), hi = lo + n * sizeof(float);
      // First output starting at or after hi is irrelevant; check the ones that start before hi.
      auto it = std::lower_bound(outs.begin(), outs.end(), hi, [](const Range& r, uintptr_t v) { return r.lo < v; });
      while (it != outs.begin()) {
        --it;
        if (it->hi <= lo) break;  // outputs are disjoint and sorted: earlier ones end earlier still
        const bool own = it->var == i && it->kind == ownKind[k] && it->lo == lo;
        if (!own)
          throw Napi::RangeError::New(env, std::string(names[k]) + "[" + std::to_string(i) + "] overlaps " +
                                               names[it->kind] + "[" + std::to_string(it->var) +
                                               "] (only an output identical to its own input is allowed)");
      }
    }
  }
  adamUpdate(h, slots);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  exports.Set("maskedLoss", Napi::Function::New(env, MaskedLoss));
  exports.Set("maskedLossGrad", Napi::Function::New(env, MaskedLossGrad));
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemory));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("setWinograd", Napi::Function::New(env, SetWinograd));
  exports.Set("setSerialBelow", Napi::Function::New(env, SetSerialBelow));
  exports.Set("serialChoices", Napi::Function::New(env, SerialChoices));
  exports.Set("forward", Napi::Function::New(env, Forward));
  exports.Set("backward", Napi::Function::New(env, Backward));
  exports.Set("release", Napi::Function::New(env, Release));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak));
  return exports;
}

}  // namespace
}  // namespace gridcast

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return gridcast::Init(env, exports); }

NODE_API_MODULE(gridcast_native, InitAddon)
