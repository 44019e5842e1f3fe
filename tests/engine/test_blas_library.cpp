// Which BLAS LibTorch runs on (core/blas_library.h): classified from /proc/<pid>/maps
// texts as Debian's alternatives leave them, and for this process.
#include "core/blas_library.h"

#include <QtTest>

using namespace ts;

namespace {

// Lines as /proc/self/maps prints them (address, perms, offset, dev, inode, path).
std::string mapsLine(const std::string& path) {
    return "7f3a1c000000-7f3a1c200000 r-xp 00000000 fe:01 1234567                    " + path + "\n";
}

}  // namespace

class TestBlasLibrary : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void netlibIsTheReferenceOne() {
        const std::string maps = mapsLine("/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13.1") +
                                 "7f3a1c200000-7f3a1c201000 rw-p 00000000 00:00 0 \n" +
                                 mapsLine("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0") +
                                 mapsLine("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3.11.0");
        const BlasLibrary b = blasFromMappedFiles(maps);
        QCOMPARE(QString::fromStdString(b.name), QString("netlib reference BLAS"));
        QVERIFY(b.reference);
        QCOMPARE(QString::fromStdString(b.path), QString("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"));
        const QString warning = QString::fromStdString(blasWarning(b));
        QVERIFY2(warning.contains("libopenblas0-openmp") && warning.contains("/blas/libblas.so.3.11.0"),
                 qPrintable(warning));
    }

    void openBlasWinsOverItsOwnLibblasShim() {
        // OpenBLAS's libblas.so.3 is mapped before libopenblas.so.0: order must not matter.
        const std::string maps = mapsLine("/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3") +
                                 mapsLine("/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0");
        const BlasLibrary b = blasFromMappedFiles(maps);
        QCOMPARE(QString::fromStdString(b.name), QString("OpenBLAS"));
        QVERIFY(!b.reference);
        QCOMPARE(QString::fromStdString(b.path), QString("/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0"));
        QVERIFY(blasWarning(b).empty());
    }

    void otherLibrariesAndNone() {
        QCOMPARE(QString::fromStdString(blasFromMappedFiles(mapsLine("/opt/intel/lib/libmkl_rt.so.2")).name),
                 QString("MKL"));
        QCOMPARE(QString::fromStdString(blasFromMappedFiles(mapsLine("/usr/lib/libblis.so.4")).name), QString("BLIS"));
        const BlasLibrary none = blasFromMappedFiles(mapsLine("/usr/lib/libc.so.6") + "garbage without a path\n\n");
        QCOMPARE(QString::fromStdString(none.name), QString("unknown"));
        QVERIFY(!none.reference);
        QVERIFY(blasWarning(none).empty());
        QCOMPARE(QString::fromStdString(BlasLibrary{"OpenBLAS", "/x/libopenblas.so.0", "OpenBLAS 0.3.21", false}.describe()),
                 QString("OpenBLAS (OpenBLAS 0.3.21)"));
    }

    void thisProcessNamesItsLibrary() {
        // This test links LibTorch, which links a BLAS (Debian: libblas.so.3; pip builds: MKL).
        const BlasLibrary b = currentBlasLibrary();
        QVERIFY2(b.name != "unknown", qPrintable(QString::fromStdString(b.describe())));
        // OpenBLAS answers for itself through dlsym: its configuration string names it.
        if (b.name == "OpenBLAS")
            QVERIFY2(QString::fromStdString(b.detail).startsWith("OpenBLAS"), qPrintable(QString::fromStdString(b.detail)));
        QCOMPARE(b.reference, !blasWarning(b).empty());
    }
};

QTEST_APPLESS_MAIN(TestBlasLibrary)
#include "test_blas_library.moc"
