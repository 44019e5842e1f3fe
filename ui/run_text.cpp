#include "run_text.h"

#include <QCoreApplication>

namespace tsui {

QString framesText(int frames) {
    return frames == 1 ? QCoreApplication::translate("tsui::RunText", "1 frame")
                       : QCoreApplication::translate("tsui::RunText", "%1 frames").arg(frames);
}

QString secondsText(double s) {
    if (s < 0) return QStringLiteral("?");
    if (s < 10) return QString::number(s, 'f', 2) + QStringLiteral(" s");
    if (s < 120) return QString::number(s, 'f', 1) + QStringLiteral(" s");
    return QString::number(s / 60.0, 'f', 1) + QStringLiteral(" min");
}

QString decodedText(int frames, double wallSeconds, double decodeSeconds) {
    QString text = QCoreApplication::translate("tsui::RunText", "Decoded %1 in %2").arg(framesText(frames), secondsText(wallSeconds));
    if (decodeSeconds > 0)
        text += QCoreApplication::translate("tsui::RunText", " (network %1, %2 frames/s)")
                    .arg(secondsText(decodeSeconds))
                    .arg(frames / decodeSeconds, 0, 'f', 2);
    return text;
}

QString frameSizeText(const QSize& size) {
    return size.isValid() && !size.isEmpty()
               ? QCoreApplication::translate("tsui::RunText", ", %1×%2 px").arg(size.width()).arg(size.height())
               : QString();
}

}  // namespace tsui
