#pragma once
// The graph and memory optimisations (--opt) as a list of checkboxes, one per switch,
// each with a tooltip on what it trades. Views only: the switches themselves live in
// the engine (model/graph_options.h).
#include "model/graph_options.h"

#include <QGroupBox>

#include <map>
#include <string>

class QCheckBox;

namespace tsui {

class GraphOptionsBox : public QGroupBox {
    Q_OBJECT
public:
    explicit GraphOptionsBox(QWidget* parent = nullptr);

    ts::GraphOptions options() const;
    void setOptions(const ts::GraphOptions& options);  // no changed() signal

Q_SIGNALS:
    void changed();

private:
    std::map<std::string, QCheckBox*> boxes_;
};

}  // namespace tsui
