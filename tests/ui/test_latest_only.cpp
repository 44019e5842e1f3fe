// LatestOnly, the checkpoint and latents probes' way of working off the GUI thread: only
// the newest request's result arrives, on the application's thread; a cancelled one and
// one whose owner is gone arrive nowhere.
#include "latest_only.h"

#include <QObject>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <memory>
#include <vector>

using namespace tsui;

class TestLatestOnly : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void onlyTheNewestArrivesOnTheAppThread() {
        QObject owner;
        LatestOnly latest(&owner);
        std::vector<int> got;
        QThread* deliveredOn = nullptr;
        auto deliver = [&](const int& v) {
            got.push_back(v);
            deliveredOn = QThread::currentThread();
        };
        // The first is slower than the second: it finishes last, superseded.
        latest.run<int>([] { QThread::msleep(300); return 1; }, deliver);
        latest.run<int>([] { return 2; }, deliver);
        QVERIFY(latest.isBusy());
        QTRY_VERIFY(!latest.isBusy());
        QVERIFY(QThreadPool::globalInstance()->waitForDone(5000));
        QCoreApplication::processEvents();
        QCOMPARE(got, std::vector<int>{2});
        QCOMPARE(deliveredOn, QThread::currentThread());
    }

    void cancelledAndOrphanedResultsArriveNowhere() {
        int calls = 0;
        {
            QObject owner;
            LatestOnly latest(&owner);
            latest.run<int>([] { QThread::msleep(100); return 1; }, [&](const int&) { ++calls; });
            latest.cancel();
            QVERIFY(!latest.isBusy());
            QVERIFY(QThreadPool::globalInstance()->waitForDone(5000));
            QCoreApplication::processEvents();
        }
        QCOMPARE(calls, 0);
        auto owner = std::make_unique<QObject>();
        auto latest = std::make_unique<LatestOnly>(owner.get());
        latest->run<int>([] { QThread::msleep(100); return 1; }, [&](const int&) { ++calls; });
        latest.reset();
        owner.reset();  // gone before the result: it must not be delivered (nor crash)
        QVERIFY(QThreadPool::globalInstance()->waitForDone(5000));
        QCoreApplication::processEvents();
        QCOMPARE(calls, 0);
    }
};

QTEST_MAIN(TestLatestOnly)
#include "test_latest_only.moc"
