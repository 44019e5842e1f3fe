#!/usr/bin/env python3
"""Writes malicious torch.save-like checkpoints for the loader tests.

Standard library only, so it runs anywhere. Each file is a zip laid out the way
torch.save lays it out (<archive>/data.pkl, version, byteorder), whose pickle would
run a shell command or eval() if a loader executed globals. The loader must refuse
them by the global's name without calling anything.

It also rewrites saved_tensor.pt (see make_test_tensors.py; run that first) in the
zip64 layout as zip64_tensor.pt, to test the reader's zip64 path without a 4 GB file.

Usage: python3 tools/make_test_pickles.py [tests/data]
"""
import pickle
import struct
import sys
import zipfile
from pathlib import Path


def torch_like_zip(path: Path, pkl: bytes) -> None:
    archive = path.stem
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        # Fixed timestamps keep the fixtures byte-identical between runs.
        for name, data in ((f"{archive}/data.pkl", pkl), (f"{archive}/byteorder", b"little"),
                           (f"{archive}/version", b"3\n")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)


def os_system_pickle() -> bytes:
    # Protocol 2 as torch.save writes it: GLOBAL 'os system', args tuple, REDUCE.
    cmd = b"echo pwned"
    return (b"\x80\x02" + b"cos\nsystem\n" + b"\x8c" + bytes([len(cmd)]) + cmd +
            b"\x85" + b"R" + b".")


class _Eval:
    # pickle.dumps(protocol=4) names builtins.eval through STACK_GLOBAL, the other
    # way a pickle can reach a global.
    def __reduce__(self):
        return (eval, ("__import__('os').system('echo pwned')",))


def zip64_copy(src: Path, dst: Path) -> None:
    """Rewrites a torch.save zip in the zip64 layout that files over 4 GB get: every
    size and offset in the central directory saturated to 0xFFFFFFFF with the real
    value in a zip64 extra field, a zip64 end record and its locator. Local headers
    carry a padding extra field, as torch.save's do, so their length differs from the
    central one. zipfile only writes zip64 for files that need it, hence by hand."""
    with zipfile.ZipFile(src) as z:
        items = [(i.filename, z.read(i.filename), i.CRC) for i in z.infolist()]
    out = bytearray()
    central = bytearray()
    for name, data, crc in items:
        offset = len(out)
        fname = name.encode()
        pad = b"\x00" * 13  # an unknown extra id (0x4246, as torch uses) of 13 bytes
        local_extra = struct.pack("<HH", 0x4246, len(pad)) + pad
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, len(data), len(data),
                           len(fname), len(local_extra)) + fname + local_extra + data
        extra = struct.pack("<HHQQQ", 0x0001, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(fname), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + fname + extra
    cd_offset = len(out)
    out += central
    zip64_end = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(items), len(items), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    dst.write_bytes(bytes(out))


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "tests" / "data")
    out.mkdir(parents=True, exist_ok=True)
    torch_like_zip(out / "malicious_os_system.pth", os_system_pickle())
    torch_like_zip(out / "malicious_eval.pth", pickle.dumps({"weight": _Eval()}, protocol=4))
    print("wrote", out / "malicious_os_system.pth", out / "malicious_eval.pth")
    if (out / "saved_tensor.pt").exists():  # from make_test_tensors.py
        zip64_copy(out / "saved_tensor.pt", out / "zip64_tensor.pt")
        print("wrote", out / "zip64_tensor.pt")


if __name__ == "__main__":
    main()
