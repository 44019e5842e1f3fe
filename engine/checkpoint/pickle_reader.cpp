#include "checkpoint/pickle_reader.h"

#include "core/error.h"

#include <cstring>
#include <cstdio>
#include <unordered_map>

namespace ts::pickle {

namespace {

using Kind = Value::Kind;

// Bounds on what a crafted pickle can make us hold; a real state dict's data.pkl
// needs a few thousand of each.
constexpr std::size_t kMaxStack = 1'000'000;
constexpr std::size_t kMaxMemo = 10'000'000;
constexpr std::size_t kMaxMarks = 10'000;

ValuePtr make(Kind k) {
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
}

// The storage classes torch.save names in persistent ids, and their element types.
bool storageDtype(const std::string& global, at::ScalarType& t) {
    static const std::pair<const char*, at::ScalarType> kStorages[] = {
        {"torch.FloatStorage", at::kFloat},   {"torch.HalfStorage", at::kHalf},
        {"torch.BFloat16Storage", at::kBFloat16}, {"torch.DoubleStorage", at::kDouble},
        {"torch.LongStorage", at::kLong},     {"torch.IntStorage", at::kInt},
        {"torch.ShortStorage", at::kShort},   {"torch.CharStorage", at::kChar},
        {"torch.ByteStorage", at::kByte},     {"torch.BoolStorage", at::kBool},
        {"torch.UntypedStorage", at::kByte},
    };
    for (const auto& [name, type] : kStorages)
        if (global == name) {
            t = type;
            return true;
        }
    return false;
}

bool allowedGlobal(const std::string& g) {
    at::ScalarType unused;
    return g == "collections.OrderedDict" || g == "torch._utils._rebuild_tensor_v2" ||
           g == "torch._utils._rebuild_parameter" || g == "torch._utils._rebuild_parameter_with_state" ||
           g == "torch.device" || storageDtype(g, unused);
}

class Unpickler {
public:
    Unpickler(const std::string& data, const std::string& where) : d_(data), where_(where) {}

    ValuePtr run() {
        for (;;) {
            if (pos_ >= d_.size()) fail("ends without a STOP opcode; truncated");
            opPos_ = pos_;
            const unsigned char op = byte();
            switch (op) {
            case 0x80: byte(); break;                 // PROTO
            case 0x95: bytes(8); break;               // FRAME: framing only, data follows inline
            case '}': push(make(Kind::Dict)); break;  // EMPTY_DICT
            case ']': push(make(Kind::List)); break;  // EMPTY_LIST
            case ')': push(make(Kind::Tuple)); break; // EMPTY_TUPLE
            case '(':                                 // MARK
                if (marks_.size() >= kMaxMarks) fail("nests too deeply");
                marks_.push_back(stack_.size());
                break;
            case 'X': pushStr(Kind::Str, uint(4)); break;     // BINUNICODE
            case 0x8c: pushStr(Kind::Str, uint(1)); break;    // SHORT_BINUNICODE
            case 0x8d: pushStr(Kind::Str, uint(8)); break;    // BINUNICODE8
            case 'C': pushStr(Kind::Bytes, uint(1)); break;   // SHORT_BINBYTES
            case 'B': pushStr(Kind::Bytes, uint(4)); break;   // BINBYTES
            case 0x8e: pushStr(Kind::Bytes, uint(8)); break;  // BINBYTES8
            case 'J': pushInt(static_cast<std::int32_t>(uint(4))); break;  // BININT
            case 'K': pushInt(uint(1)); break;                            // BININT1
            case 'M': pushInt(uint(2)); break;                            // BININT2
            case 0x8a: pushInt(long1()); break;                           // LONG1
            case 'G': {                                                   // BINFLOAT, big-endian
                const char* p = bytes(8);
                std::uint64_t u = 0;
                for (int k = 0; k < 8; ++k) u = (u << 8) | static_cast<unsigned char>(p[k]);
                auto v = make(Kind::Float);
                std::memcpy(&v->f, &u, 8);
                push(v);
                break;
            }
            case 'N': push(make(Kind::None)); break;
            case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
                auto v = make(Kind::Bool);
                v->i = op == 0x88;
                push(v);
                break;
            }
            case 't': { auto v = make(Kind::Tuple); v->items = popMark(); push(v); break; }
            case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
                auto v = make(Kind::Tuple);
                v->items.resize(op - 0x84);
                for (auto it = v->items.rbegin(); it != v->items.rend(); ++it) *it = pop();
                push(v);
                break;
            }
            case 'l': { auto v = make(Kind::List); v->items = popMark(); push(v); break; }
            case 'a': { auto x = pop(); container(Kind::List)->items.push_back(x); break; }  // APPEND
            case 'e': {                                                                        // APPENDS
                auto xs = popMark();
                auto& l = container(Kind::List)->items;
                l.insert(l.end(), xs.begin(), xs.end());
                break;
            }
            case 'd': { auto v = make(Kind::Dict); setItems(*v, popMark()); push(v); break; }  // DICT
            case 's': {  // SETITEM
                auto val = pop();
                auto key = pop();
                container(Kind::Dict)->dict.emplace_back(key, val);
                break;
            }
            case 'u': { auto xs = popMark(); setItems(*container(Kind::Dict), xs); break; }  // SETITEMS
            case 'q': memo(uint(1)); break;     // BINPUT
            case 'r': memo(uint(4)); break;     // LONG_BINPUT
            case 0x94: memo(memo_.size()); break;  // MEMOIZE
            case 'h': push(get(uint(1))); break;   // BINGET
            case 'j': push(get(uint(4))); break;   // LONG_BINGET
            case 'c': {                            // GLOBAL "module\nname\n"
                const std::string module = line(), name = line();
                push(global(module, name));
                break;
            }
            case 0x93: {  // STACK_GLOBAL
                auto name = pop(), module = pop();
                if (module->kind != Kind::Str || name->kind != Kind::Str) fail("STACK_GLOBAL needs two strings");
                push(global(module->s, name->s));
                break;
            }
            case 'R': case 0x81: {  // REDUCE, NEWOBJ: call a whitelisted global
                auto args = pop();
                auto fn = pop();
                push(call(*fn, *args));
                break;
            }
            case 'b': pop(); top(); break;  // BUILD: state (e.g. a state dict's _metadata) is not needed
            case 'Q': push(persistent(*pop())); break;  // BINPERSID
            case '.': {                                 // STOP
                auto v = pop();
                return v;
            }
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "0x%02x", op);
                fail(std::string("unsupported pickle opcode ") + buf + "; not a torch.save state dict");
            }
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throwInput(where_ + ": data.pkl offset " + std::to_string(opPos_) + ": " + what);
    }
    const char* bytes(std::uint64_t n) {
        if (n > d_.size() - pos_) fail("ends in the middle of an opcode; truncated");
        const char* p = d_.data() + pos_;
        pos_ += n;
        return p;
    }
    unsigned char byte() { return static_cast<unsigned char>(*bytes(1)); }
    std::uint64_t uint(int n) {
        const char* p = bytes(n);
        std::uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(p[k]);
        return v;
    }
    std::int64_t long1() {
        const int n = byte();
        if (n > 8) fail("integer wider than 64 bits");
        if (n == 0) return 0;
        std::uint64_t v = uint(n);
        if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t(0) << (8 * n);  // sign-extend
        return static_cast<std::int64_t>(v);
    }
    std::string line() {
        const auto nl = d_.find('\n', pos_);
        if (nl == std::string::npos) fail("GLOBAL without a newline; truncated");
        std::string s = d_.substr(pos_, nl - pos_);
        pos_ = nl + 1;
        return s;
    }

    void push(ValuePtr v) {
        if (stack_.size() >= kMaxStack) fail("stack grows too large");
        stack_.push_back(std::move(v));
    }
    ValuePtr pop() {
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("stack underflow");
        auto v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    ValuePtr& top() {
        if (stack_.empty()) fail("stack underflow");
        return stack_.back();
    }
    std::vector<ValuePtr> popMark() {
        if (marks_.empty()) fail("no MARK on the stack");
        const std::size_t m = marks_.back();
        marks_.pop_back();
        std::vector<ValuePtr> xs(stack_.begin() + m, stack_.end());
        stack_.resize(m);
        return xs;
    }
    Value* container(Kind k) {
        Value* v = top().get();
        if (v->kind != k) fail(k == Kind::List ? "APPEND to something not a list" : "SETITEM on something not a dict");
        return v;
    }
    void setItems(Value& d, const std::vector<ValuePtr>& xs) {
        if (xs.size() % 2) fail("odd number of items for a dict");
        for (std::size_t k = 0; k < xs.size(); k += 2) d.dict.emplace_back(xs[k], xs[k + 1]);
    }
    void pushStr(Kind k, std::uint64_t n) {
        auto v = make(k);
        const char* p = bytes(n);
        v->s.assign(p, n);
        push(v);
    }
    void pushInt(std::int64_t i) {
        auto v = make(Kind::Int);
        v->i = i;
        push(v);
    }
    void memo(std::uint64_t idx) {
        if (memo_.size() >= kMaxMemo && !memo_.count(idx)) fail("memo grows too large");
        memo_[idx] = top();
    }
    ValuePtr get(std::uint64_t idx) {
        auto it = memo_.find(idx);
        if (it == memo_.end()) fail("memo entry " + std::to_string(idx) + " was never stored");
        return it->second;
    }

    ValuePtr global(const std::string& module, const std::string& name) {
        const std::string g = module + "." + name;
        if (!allowedGlobal(g))
            throwInput(where_ + ": refusing to load: the pickle names the global '" + g +
                       "', which a checkpoint never needs (only tensors and containers are accepted)");
        auto v = make(Kind::Global);
        v->s = g;
        return v;
    }

    std::int64_t intAt(const Value& t, std::size_t k, const char* what) {
        if (t.items.size() <= k || t.items[k]->kind != Kind::Int) fail(std::string("bad ") + what);
        return t.items[k]->i;
    }
    std::vector<std::int64_t> intTuple(const Value& t, std::size_t k, const char* what) {
        if (t.items.size() <= k || t.items[k]->kind != Kind::Tuple) fail(std::string("bad ") + what);
        std::vector<std::int64_t> out;
        for (const auto& x : t.items[k]->items) {
            if (x->kind != Kind::Int) fail(std::string("bad ") + what);
            out.push_back(x->i);
        }
        return out;
    }

    ValuePtr call(const Value& fn, const Value& args) {
        if (fn.kind != Kind::Global) fail("calls something that is not a global");
        if (args.kind != Kind::Tuple) fail("call arguments are not a tuple");
        const std::string& g = fn.s;
        if (g == "collections.OrderedDict") {
            if (!args.items.empty()) fail("OrderedDict with constructor arguments is not supported");
            return make(Kind::Dict);  // items follow via SETITEMS
        }
        if (g == "torch._utils._rebuild_tensor_v2") {
            if (args.items.size() < 4 || args.items[0]->kind != Kind::Storage) fail("bad _rebuild_tensor_v2 arguments");
            auto t = std::make_shared<TensorRef>();
            t->storage = args.items[0]->storage;
            t->offset = intAt(args, 1, "tensor storage offset");
            t->size = intTuple(args, 2, "tensor size");
            t->stride = intTuple(args, 3, "tensor stride");
            if (t->size.size() != t->stride.size()) fail("tensor size and stride differ in length");
            auto v = make(Kind::Tensor);
            v->tensor = t;
            return v;
        }
        if (g == "torch._utils._rebuild_parameter" || g == "torch._utils._rebuild_parameter_with_state") {
            if (args.items.empty() || args.items[0]->kind != Kind::Tensor) fail("bad parameter arguments");
            return args.items[0];  // a Parameter is its data; requires_grad and hooks do not matter here
        }
        if (g == "torch.device") {
            auto v = make(Kind::Str);
            v->s = args.items.empty() || args.items[0]->kind != Kind::Str ? "" : args.items[0]->s;
            return v;
        }
        fail("calls '" + g + "', which is not a function a checkpoint calls");
    }

    // torch.save's persistent id: ('storage', <storage class>, key, location, numel).
    ValuePtr persistent(const Value& pid) {
        if (pid.kind != Kind::Tuple || pid.items.size() < 3 || pid.items[0]->kind != Kind::Str ||
            pid.items[0]->s != "storage" || pid.items[1]->kind != Kind::Global || pid.items[2]->kind != Kind::Str)
            fail("unrecognised persistent id (not a torch storage)");
        auto ref = std::make_shared<StorageRef>();
        if (!storageDtype(pid.items[1]->s, ref->dtype)) fail("'" + pid.items[1]->s + "' is not a storage class");
        ref->key = pid.items[2]->s;
        auto v = make(Kind::Storage);
        v->storage = ref;
        return v;
    }

    const std::string& d_;
    const std::string& where_;
    std::size_t pos_ = 0, opPos_ = 0;
    std::vector<ValuePtr> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::uint64_t, ValuePtr> memo_;
};

}  // namespace

namespace {

void moveChildren(Value& v, std::vector<ValuePtr>& to) {
    for (ValuePtr& x : v.items) to.push_back(std::move(x));
    for (auto& [k, x] : v.dict) {
        to.push_back(std::move(k));
        to.push_back(std::move(x));
    }
    v.items.clear();
    v.dict.clear();
}

}  // namespace

Value::~Value() {
    std::vector<ValuePtr> pending;
    moveChildren(*this, pending);
    while (!pending.empty()) {
        ValuePtr v = std::move(pending.back());
        pending.pop_back();
        // The last owner: its children join the worklist, so it dies childless (no
        // recursion). A value still shared elsewhere keeps them.
        if (v && v.use_count() == 1) moveChildren(*v, pending);
    }
}

ValuePtr unpickle(const std::string& data, const std::string& where) {
    return Unpickler(data, where).run();
}

}  // namespace ts::pickle
