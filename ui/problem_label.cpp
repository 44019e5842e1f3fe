#include "problem_label.h"

#include <QLabel>

namespace tsui {

QLabel* makeProblemLabel(const QString& objectName, QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setForegroundRole(QPalette::BrightText);
    label->setBackgroundRole(QPalette::Dark);
    label->setAutoFillBackground(true);
    label->setMargin(4);
    label->hide();
    return label;
}

}  // namespace tsui
