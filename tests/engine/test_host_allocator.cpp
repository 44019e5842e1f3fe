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
    char* volatile escape_ = nullptr;

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

    // The leak checks' measure: what malloc has handed out, not what it keeps. A freed
    // block leaves it at once although the heap keeps the memory (the RSS above does not drop).
    void heapInUseCountsLiveBlocksOnly() {
        const std::int64_t before = heapInUseBytes();
        if (before < 0) QSKIP("this C library does not report the heap in use");
        for (const std::int64_t size : {std::int64_t(3) << 20, std::int64_t(40) << 20}) {  // heap, and mmapped
            const std::int64_t base = heapInUseBytes();
            char* block = static_cast<char*>(std::malloc(size));
            QVERIFY(block);
            escape_ = block;  // the compiler may not drop a malloc/free pair it can see through
            const std::int64_t live = heapInUseBytes();
            QVERIFY2(live - base >= size && live - base < size + kMiB, qPrintable(QString::number(live - base)));
            std::free(block);
            const std::int64_t after = heapInUseBytes();
            QVERIFY2(std::abs(after - base) < kMiB, qPrintable(QString::number(after - base)));
        }
    }
};

QTEST_APPLESS_MAIN(TestHostAllocator)
#include "test_host_allocator.moc"
