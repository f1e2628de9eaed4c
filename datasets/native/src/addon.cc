// N-API surface of the codec addon: zlib-wrapped DEFLATE via libdeflate and SHA-256 (SHA-NI or
// portable). Compression and large hashes run as AsyncWorkers on the libuv pool, so the main
// thread keeps preparing tiles / moving Redis bytes while both cores compress or hash. Inputs are
// any Uint8Array/Buffer (SharedArrayBuffer-backed too) and are kept alive by a reference until the
// worker finishes; the caller must not change them meanwhile. Bad arguments throw a TypeError or
// RangeError (never a crash).
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "deflate.h"
#include "sha256.h"

namespace gridcast_codecs {
namespace {

struct Bytes {
  const uint8_t* data = nullptr;
  size_t len = 0;
};

Bytes bytesOf(const Napi::Env& env, const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, std::string(what) + " must be a Uint8Array or Buffer");
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_status st = napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  if (st != napi_ok || type != napi_uint8_array) throw Napi::TypeError::New(env, std::string(what) + " must be a Uint8Array or Buffer");
  return {static_cast<const uint8_t*>(data), length};
}

int levelOf(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, "level must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 12) || d != static_cast<int>(d)) throw Napi::RangeError::New(env, "level must be an integer in 1..12, got " + std::to_string(d));
  return static_cast<int>(d);
}

/** Compresses into a malloc'ed buffer handed to JS without a copy. */
struct Compressed {
  uint8_t* data = nullptr;
  size_t size = 0;
  std::string error;
};

Compressed compress(int level, const Bytes& in) {
  Compressed out;
  size_t cap = zlibBound(level, in.len);
  if (cap == 0) {
    out.error = "libdeflate could not allocate a compressor at level " + std::to_string(level);
    return out;
  }
  out.data = static_cast<uint8_t*>(std::malloc(cap));
  if (out.data == nullptr) {
    out.error = "out of memory for " + std::to_string(cap) + " bytes";
    return out;
  }
  out.size = zlibCompress(level, in.data, in.len, out.data, cap);
  if (out.size == 0) {
    std::free(out.data);
    out.data = nullptr;
    out.error = "libdeflate_zlib_compress failed";
    return out;
  }
  if (uint8_t* shrunk = static_cast<uint8_t*>(std::realloc(out.data, out.size))) out.data = shrunk;
  return out;
}

Napi::Buffer<uint8_t> toBuffer(Napi::Env env, Compressed& c) {
  uint8_t* p = c.data;
  c.data = nullptr;
  return Napi::Buffer<uint8_t>::New(env, p, c.size, [](Napi::Env, uint8_t* d) { std::free(d); });
}

void requireDeflate(const Napi::Env& env) {
  if (!deflateAvailable()) throw Napi::Error::New(env, deflateStatus());
}

/** A worker whose result settles a promise; `input` keeps the bytes alive meanwhile. */
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const Napi::Value& input)
      : Napi::AsyncWorker(env, "gridcast:codecs"), deferred_(Napi::Promise::Deferred::New(env)) {
    input_ = Napi::Persistent(input.As<Napi::Object>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference input_;
};

class CompressWorker : public PromiseWorker {
 public:
  CompressWorker(Napi::Env env, const Napi::Value& input, Bytes bytes, int level) : PromiseWorker(env, input), bytes_(bytes), level_(level) {}
  ~CompressWorker() override { std::free(out_.data); }
  void Execute() override {
    out_ = compress(level_, bytes_);
    if (!out_.error.empty()) SetError(out_.error);
  }
  void OnOK() override { deferred_.Resolve(toBuffer(Env(), out_)); }

 private:
  Bytes bytes_;
  int level_;
  Compressed out_;
};

Napi::Value ZlibCompress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Bytes in = bytesOf(env, info[0], "data");
  int level = levelOf(env, info[1]);
  requireDeflate(env);
  auto* w = new CompressWorker(env, info[0], in, level);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value ZlibCompressSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Bytes in = bytesOf(env, info[0], "data");
  int level = levelOf(env, info[1]);
  requireDeflate(env);
  Compressed c = compress(level, in);
  if (!c.error.empty()) throw Napi::Error::New(env, c.error);
  return toBuffer(env, c);
}

class HashWorker : public PromiseWorker {
 public:
  HashWorker(Napi::Env env, const Napi::Value& input, Bytes bytes) : PromiseWorker(env, input), bytes_(bytes) {}
  void Execute() override { hex_ = sha256Hex(bytes_.data, bytes_.len); }
  void OnOK() override { deferred_.Resolve(Napi::String::New(Env(), hex_)); }

 private:
  Bytes bytes_;
  std::string hex_;
};

Napi::Value Sha256Sync(const Napi::CallbackInfo& info) {
  Bytes in = bytesOf(info.Env(), info[0], "data");
  return Napi::String::New(info.Env(), sha256Hex(in.data, in.len));
}

Napi::Value Sha256Async(const Napi::CallbackInfo& info) {
  Bytes in = bytesOf(info.Env(), info[0], "data");
  auto* w = new HashWorker(info.Env(), info[0], in);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

/** The byte arrays of a JS array of Uint8Arrays, and how many lanes to hash them in. */
struct Messages {
  std::vector<const uint8_t*> data;
  std::vector<size_t> lens;
  /** 0 = the calibrated best (sha256Lanes). */
  int lanes = 0;
  /** Where each message is copied to (argument 3), or empty for none. */
  std::vector<uint8_t*> dests;
};

Messages messagesOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "messages must be an array of Uint8Array or Buffer");
  Napi::Array a = info[0].As<Napi::Array>();
  Messages m;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Bytes b = bytesOf(env, a.Get(i), "each message");
    m.data.push_back(b.data);
    m.lens.push_back(b.len);
  }
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "lanes must be a number");
    double d = info[1].As<Napi::Number>().DoubleValue();
    if (!(d >= 1 && d <= kMaxLanes) || d != static_cast<int>(d)) throw Napi::RangeError::New(env, "lanes must be an integer in 1..4");
    m.lanes = static_cast<int>(d);
  }
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsArray()) throw Napi::TypeError::New(env, "destinations must be an array of Uint8Array or Buffer");
    Napi::Array d = info[2].As<Napi::Array>();
    if (d.Length() != a.Length()) throw Napi::RangeError::New(env, "destinations must be one per message");
    for (uint32_t i = 0; i < d.Length(); i++) {
      Napi::Value v = d.Get(i);
      if (v.IsNull() || v.IsUndefined()) {
        m.dests.push_back(nullptr);
        continue;
      }
      Bytes b = bytesOf(env, v, "each destination");
      if (b.len != m.lens[i]) throw Napi::RangeError::New(env, "destination " + std::to_string(i) + " must be as long as its message");
      m.dests.push_back(const_cast<uint8_t*>(b.data));
    }
  }
  return m;
}

/**
 * Copies of the JS arrays (messages, then destinations), so the caller changing its own arrays
 * cannot drop a buffer being read or written.
 */
Napi::Array pinned(const Napi::CallbackInfo& info) {
  Napi::Array copy = Napi::Array::New(info.Env());
  uint32_t at = 0;
  for (size_t arg = 0; arg < 3 && arg < info.Length(); arg += 2) {
    if (!info[arg].IsArray()) continue;
    Napi::Array src = info[arg].As<Napi::Array>();
    for (uint32_t i = 0; i < src.Length(); i++) copy.Set(at++, src.Get(i));
  }
  return copy;
}

Napi::Value Sha256ManySync(const Napi::CallbackInfo& info) {
  Messages m = messagesOf(info);
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(info.Env(), 32 * m.data.size());
  Sha256::hashMany(m.data.data(), m.lens.data(), m.data.size(), out.Data(), m.lanes, m.dests.empty() ? nullptr : m.dests.data());
  return out;
}

class HashManyWorker : public PromiseWorker {
 public:
  HashManyWorker(Napi::Env env, const Napi::Value& input, Messages m) : PromiseWorker(env, input), m_(std::move(m)), out_(32 * m_.data.size()) {}
  void Execute() override {
    Sha256::hashMany(m_.data.data(), m_.lens.data(), m_.data.size(), out_.data(), m_.lanes, m_.dests.empty() ? nullptr : m_.dests.data());
  }
  void OnOK() override { deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), out_.data(), out_.size())); }

 private:
  Messages m_;
  std::vector<uint8_t> out_;
};

Napi::Value Sha256ManyAsync(const Napi::CallbackInfo& info) {
  Messages m = messagesOf(info);
  auto* w = new HashManyWorker(info.Env(), pinned(info), std::move(m));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

/**
 * A running SHA-256 (JS class `Sha256`). One operation at a time: an async update marks it busy
 * until it settles, and any call meanwhile throws (the TS wrapper chains its calls).
 */
class Sha256Object : public Napi::ObjectWrap<Sha256Object> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Sha256", {
        InstanceMethod<&Sha256Object::Update>("update"),
        InstanceMethod<&Sha256Object::UpdateAsync>("updateAsync"),
        InstanceMethod<&Sha256Object::UpdateAndDigest>("updateAndDigest"),
        InstanceMethod<&Sha256Object::UpdateAndDigestAsync>("updateAndDigestAsync"),
        InstanceMethod<&Sha256Object::Digest>("digest"),
    });
  }
  explicit Sha256Object(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Sha256Object>(info) {}

  Sha256 state;
  bool busy = false;
  bool done = false;

 private:
  void check(const Napi::Env& env) {
    if (busy) throw Napi::Error::New(env, "Sha256: an asynchronous update is still running");
    if (done) throw Napi::Error::New(env, "Sha256: digest() was already called");
  }
  Napi::Value Update(const Napi::CallbackInfo& info) {
    check(info.Env());
    Bytes in = bytesOf(info.Env(), info[0], "data");
    state.update(in.data, in.len);
    return info.Env().Undefined();
  }
  Napi::Value UpdateAndDigest(const Napi::CallbackInfo& info) {
    check(info.Env());
    Bytes in = bytesOf(info.Env(), info[0], "data");
    Sha256 own;
    Sha256::updatePair(own, state, in.data, in.len);
    return Napi::String::New(info.Env(), own.finalHex());
  }
  Napi::Value UpdateAsync(const Napi::CallbackInfo& info) { return queue(info, false); }
  Napi::Value UpdateAndDigestAsync(const Napi::CallbackInfo& info) { return queue(info, true); }
  Napi::Value Digest(const Napi::CallbackInfo& info) {
    check(info.Env());
    done = true;
    return Napi::String::New(info.Env(), state.finalHex());
  }
  Napi::Value queue(const Napi::CallbackInfo& info, bool withDigest);
};

class UpdateWorker : public PromiseWorker {
 public:
  UpdateWorker(Napi::Env env, const Napi::Value& input, Bytes bytes, Sha256Object* target, bool withDigest)
      : PromiseWorker(env, input), bytes_(bytes), target_(target), withDigest_(withDigest) {
    self_ = Napi::Persistent(target->Value());
  }
  void Execute() override {
    if (withDigest_) {
      Sha256 own;
      Sha256::updatePair(own, target_->state, bytes_.data, bytes_.len);
      hex_ = own.finalHex();
    } else {
      target_->state.update(bytes_.data, bytes_.len);
    }
  }
  void OnOK() override {
    target_->busy = false;
    if (withDigest_) deferred_.Resolve(Napi::String::New(Env(), hex_));
    else deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    target_->busy = false;
    PromiseWorker::OnError(e);
  }

 private:
  Bytes bytes_;
  Sha256Object* target_;
  bool withDigest_;
  std::string hex_;
  Napi::ObjectReference self_;  // the hasher stays alive while its state is being written
};

Napi::Value Sha256Object::queue(const Napi::CallbackInfo& info, bool withDigest) {
  check(info.Env());
  Bytes in = bytesOf(info.Env(), info[0], "data");
  auto* w = new UpdateWorker(info.Env(), info[0], in, this, withDigest);
  busy = true;
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("deflate", deflateAvailable());
  o.Set("deflateStatus", deflateStatus());
  o.Set("sha256", sha256ImplName());
  return o;
}

Napi::Value Sha256LanesFn(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), sha256Lanes()); }

Napi::Value SetSha256Impl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "implementation must be a string");
  std::string name = info[0].As<Napi::String>();
  if (!setSha256Impl(name)) throw Napi::RangeError::New(env, "SHA-256 implementation '" + name + "' is not available here (auto, sha-ni, portable)");
  return Napi::String::New(env, sha256ImplName());
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New<Info>(env, "info"));
  exports.Set("zlibCompress", Napi::Function::New<ZlibCompress>(env, "zlibCompress"));
  exports.Set("zlibCompressSync", Napi::Function::New<ZlibCompressSync>(env, "zlibCompressSync"));
  exports.Set("sha256", Napi::Function::New<Sha256Sync>(env, "sha256"));
  exports.Set("sha256Async", Napi::Function::New<Sha256Async>(env, "sha256Async"));
  exports.Set("sha256Many", Napi::Function::New<Sha256ManySync>(env, "sha256Many"));
  exports.Set("sha256ManyAsync", Napi::Function::New<Sha256ManyAsync>(env, "sha256ManyAsync"));
  exports.Set("sha256Lanes", Napi::Function::New<Sha256LanesFn>(env, "sha256Lanes"));
  exports.Set("setSha256Impl", Napi::Function::New<SetSha256Impl>(env, "setSha256Impl"));
  exports.Set("Sha256", Sha256Object::Define(env));
  return exports;
}

}  // namespace gridcast_codecs

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return gridcast_codecs::Init(env, exports); }

NODE_API_MODULE(gridcast_codecs, InitAddon)
