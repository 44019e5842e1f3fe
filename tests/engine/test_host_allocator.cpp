// The host allocator setting (core/host_allocator.h): freed heap memory stays with the
// process for the next tensor until releaseFreeHostMemory() hands it back. Checked on
// RSS with a 24 MiB block: under the 32 MiB mmap threshold, so it comes from the heap.
#include "core/host_allocator.h"
#include "core/process_memory.h"

#include <QtTest>

#include <cstdlib>
#include <cstring>

using namespace ts;

class TestHostAllocator : public QObject {
    Q_OBJECT

    static constexpr std::int64_t kBlock = 24 << 20;
    static constexpr std::int64_t kMiB = 1 << 20;

private Q_SLOTS:
    void freedBlocksStayUntilReleased() {
#if !defined(__GLIBC__)
        QSKIP("glibc malloc knobs only");
#endif
        const char* tunables = std::getenv("GLIBC_TUNABLES");
        if (tunables && std::strstr(tunables, "glibc.malloc."))
            QSKIP("GLIBC_TUNABLES sets malloc tunables: configureHostAllocator() leaves them alone");
        QCOMPARE(QString::fromStdString(configureHostAllocator()),
                 QString("glibc malloc: mmap threshold 32 MiB, no automatic trim"));
        releaseFreeHostMemory();
        const std::int64_t before = currentRssBytes();
        QVERIFY(before > 0);
        char* block = static_cast<char*>(std::malloc(kBlock));
        QVERIFY(block);
        std::memset(block, 1, kBlock);  // fault every page in
        const std::int64_t touched = currentRssBytes();
        QVERIFY2(touched - before >= kBlock - 2 * kMiB, qPrintable(QString::number((touched - before) / kMiB)));
        std::free(block);
        // With glibc's defaults the block would have been mapped on its own and unmapped
        // here (or trimmed off the heap's top); now it is kept for the next tensor.
        const std::int64_t afterFree = currentRssBytes();
        QVERIFY2(touched - afterFree < 2 * kMiB, qPrintable(QString::number((touched - afterFree) / kMiB)));
        releaseFreeHostMemory();
        const std::int64_t released = currentRssBytes();
        QVERIFY2(afterFree - released >= kBlock - 2 * kMiB, qPrintable(QString::number((afterFree - released) / kMiB)));
    }
};

QTEST_APPLESS_MAIN(TestHostAllocator)
#include "test_host_allocator.moc"
