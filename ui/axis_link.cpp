#include "axis_link.h"

#include "qcp.h"

#include <memory>

namespace tsui {

void linkAxisRanges(QCPAxis* a, QCPAxis* b, QObject* owner) {
    auto syncing = std::make_shared<bool>(false);
    auto follow = [syncing](QCPAxis* to) {
        return [syncing, to](const QCPRange& r) {
            if (*syncing) return;
            *syncing = true;
            to->setRange(r);
            to->parentPlot()->replot(QCustomPlot::rpQueuedReplot);
            *syncing = false;
        };
    };
    QObject::connect(a, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), owner, follow(b));
    QObject::connect(b, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), owner, follow(a));
}

}  // namespace tsui
