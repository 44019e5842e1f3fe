#pragma once
// A run's trace as bytes, so the run store can keep it on disk and read it back exactly.
// The Chrome trace the exporter writes is for other tools: it rounds times to µs, makes
// them relative to the first event and has no reader here. This form is lossless (every
// TraceEvent field, track names and notes) and compact: a header, then the Qt data
// stream of the snapshot with an end marker, zlib-compressed, so a truncated, damaged or
// foreign file is refused with a reason instead of being read as a shorter trace.
#include "profile/trace_store.h"

#include <QByteArray>
#include <QString>

namespace tsui {

QByteArray encodeTrace(const ts::TraceStore::Snapshot& snapshot);

// Fills *out and returns true, or returns false with *error saying what is wrong
// ("not a TileScope trace", "truncated or corrupt …"); never throws.
bool decodeTrace(const QByteArray& bytes, ts::TraceStore::Snapshot* out, QString* error);

}  // namespace tsui
