#pragma once
// The words a run's result is shown in: the window's result line after a run and a
// reopened run's (run_reopener.cpp) say it the same way.
#include <QSize>
#include <QString>

namespace tsui {

// "1 frame", "33 frames".
QString framesText(int frames);

// "0.42 s", "12.3 s", "2.5 min"; "?" for a negative (unknown) time.
QString secondsText(double s);

// "Decoded 33 frames in 7.02 s (network 6.91 s, 4.78 frames/s)"; the network part only
// when the decode's own time is known (> 0).
QString decodedText(int frames, double wallSeconds, double decodeSeconds);

// ", 256×256 px", or "" for an invalid size (no frames).
QString frameSizeText(const QSize& size);

}  // namespace tsui
