#include "trace_codec.h"

#include <QDataStream>
#include <QIODevice>
#include <QtEndian>

#include <string>

namespace tsui {

namespace {

constexpr char kMagic[8] = {'T', 'S', 'T', 'R', 'A', 'C', 'E', '1'};
constexpr quint32 kVersion = 1;
constexpr quint32 kEndMarker = 0x454e4421;  // "END!": the writer got to the end
// The stream's own encoding is pinned so a newer Qt reads what an older one wrote.
constexpr QDataStream::Version kStreamVersion = QDataStream::Qt_6_0;

void put(QDataStream& s, const std::string& text) {
    s << QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

bool get(QDataStream& s, std::string* text) {
    QByteArray bytes;
    s >> bytes;
    if (s.status() != QDataStream::Ok) return false;
    text->assign(bytes.constData(), static_cast<std::size_t>(bytes.size()));
    return true;
}

}  // namespace

QByteArray encodeTrace(const ts::TraceStore::Snapshot& snapshot) {
    QByteArray body;
    QDataStream s(&body, QIODevice::WriteOnly);
    s.setVersion(kStreamVersion);
    s << static_cast<quint32>(snapshot.events.size());
    for (const ts::TraceEvent& e : snapshot.events) {
        s << static_cast<qint8>(e.kind);
        put(s, e.name);
        put(s, e.category);
        s << static_cast<qint32>(e.pid) << static_cast<qint64>(e.tid) << static_cast<qint64>(e.startNs)
          << static_cast<qint64>(e.durationNs) << e.value << static_cast<quint64>(e.flowId)
          << static_cast<quint32>(e.args.size());
        for (const auto& [key, value] : e.args) {
            put(s, key);
            put(s, value);
        }
    }
    s << static_cast<quint32>(snapshot.tracks.size());
    for (const ts::TraceStore::TrackName& t : snapshot.tracks) {
        s << static_cast<qint32>(t.pid) << static_cast<qint64>(t.tid);
        put(s, t.name);
    }
    s << static_cast<quint32>(snapshot.notes.size());
    for (const std::string& n : snapshot.notes) put(s, n);
    s << kEndMarker;
    QByteArray bytes(kMagic, sizeof kMagic);
    QDataStream header(&bytes, QIODevice::WriteOnly | QIODevice::Append);
    header.setVersion(kStreamVersion);
    header << kVersion;
    // Names, categories and args repeat a lot: zlib makes a trace about ten times smaller
    // (and its checksum catches damage the structure alone would not).
    return bytes + qCompress(body);
}

bool decodeTrace(const QByteArray& bytes, ts::TraceStore::Snapshot* out, QString* error) {
    const auto fail = [error](const QString& why) {
        if (error) *error = why;
        return false;
    };
    if (bytes.size() < static_cast<qsizetype>(sizeof kMagic) || !bytes.startsWith(QByteArray(kMagic, sizeof kMagic)))
        return fail(QStringLiteral("not a TileScope trace (bad header)"));
    QDataStream h(bytes.mid(sizeof kMagic, 4));
    h.setVersion(kStreamVersion);
    quint32 version = 0, count = 0;
    h >> version;
    if (h.status() != QDataStream::Ok) return fail(QStringLiteral("truncated in the header"));
    if (version != kVersion)
        return fail(QStringLiteral("trace format version %1, this build reads version %2").arg(version).arg(kVersion));
    const QByteArray packed = bytes.mid(sizeof kMagic + 4);
    // qUncompress allocates the size its first four bytes claim: a damaged claim beyond
    // what deflate can expand to (1032:1) is refused before it allocates gigabytes.
    const bool plausible =
        packed.size() > 4 && qFromBigEndian<quint32>(packed.constData()) <= quint64(packed.size()) * 1032 + 1024;
    const QByteArray body = plausible ? qUncompress(packed) : QByteArray();
    if (body.isEmpty()) return fail(QStringLiteral("truncated or corrupt (the compressed events do not unpack)"));
    QDataStream s(body);
    s.setVersion(kStreamVersion);
    s >> count;
    // Nothing is reserved from the counts: a corrupt count must not allocate, the stream
    // simply runs out first.
    ts::TraceStore::Snapshot snap;
    for (quint32 i = 0; i < count; ++i) {
        ts::TraceEvent e;
        qint8 kind = 0;
        qint32 pid = 0;
        qint64 tid = 0, start = 0, duration = 0;
        quint64 flow = 0;
        quint32 argCount = 0;
        s >> kind;
        bool ok = get(s, &e.name) && get(s, &e.category);
        s >> pid >> tid >> start >> duration >> e.value >> flow >> argCount;
        ok = ok && s.status() == QDataStream::Ok;
        for (quint32 a = 0; ok && a < argCount; ++a) {
            std::pair<std::string, std::string> arg;
            ok = get(s, &arg.first) && get(s, &arg.second);
            if (ok) e.args.push_back(std::move(arg));
        }
        if (!ok) return fail(QStringLiteral("truncated after event %1 of %2").arg(i).arg(count));
        if (kind < static_cast<qint8>(ts::TraceEvent::Kind::Span) || kind > static_cast<qint8>(ts::TraceEvent::Kind::FlowEnd))
            return fail(QStringLiteral("corrupt: event %1 has kind %2").arg(i).arg(kind));
        e.kind = static_cast<ts::TraceEvent::Kind>(kind);
        e.pid = pid;
        e.tid = tid;
        e.startNs = start;
        e.durationNs = duration;
        e.flowId = flow;
        snap.events.push_back(std::move(e));
    }
    quint32 tracks = 0;
    s >> tracks;
    for (quint32 i = 0; i < tracks && s.status() == QDataStream::Ok; ++i) {
        qint32 pid = 0;
        qint64 tid = 0;
        std::string name;
        s >> pid >> tid;
        if (get(s, &name)) snap.tracks.push_back({pid, tid, std::move(name)});
    }
    quint32 notes = 0;
    s >> notes;
    for (quint32 i = 0; i < notes && s.status() == QDataStream::Ok; ++i) {
        std::string note;
        if (get(s, &note)) snap.notes.push_back(std::move(note));
    }
    quint32 end = 0;
    s >> end;
    if (s.status() != QDataStream::Ok) return fail(QStringLiteral("truncated after the %1 events").arg(count));
    if (end != kEndMarker || !s.atEnd()) return fail(QStringLiteral("corrupt: no end marker after the %1 events").arg(count));
    *out = std::move(snap);
    return true;
}

}  // namespace tsui
