#pragma once
// Shows one frame scaled to fit, keeping its aspect ratio: nearest-neighbour when
// magnifying (so single pixels stay visible), smooth when shrinking. Colours come from
// the widget's palette.
#include <QImage>
#include <QString>
#include <QFrame>

namespace tsui {

class FrameView : public QFrame {
    Q_OBJECT
public:
    explicit FrameView(QWidget* parent = nullptr);

    void setImage(const QImage& image);
    const QImage& image() const { return image_; }
    void setPlaceholderText(const QString& text);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage image_;
    QString placeholder_;
};

}  // namespace tsui
