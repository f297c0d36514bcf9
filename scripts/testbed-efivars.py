#!/usr/bin/env python3
"""Reads and appends variables in an OVMF variable store (OVMF_VARS*.fd).

Used by scripts/testbed to put machine-owner keys (MokListRT) into a guest's
private copy of the variable store, so that the guest kernel trusts a
certificate (see scripts/README.testbed.md, "Protected guests").

  testbed-efivars.py list VARS.fd
  testbed-efivars.py enroll-mok VARS.fd CERT.der...

The layout is edk2's (MdeModulePkg/Include/Guid/VariableFormat.h): a firmware
volume header, a VARIABLE_STORE_HEADER whose signature is the authenticated
variable GUID, then variables, each an AUTHENTICATED_VARIABLE_HEADER, its
UTF-16 name and its data, the next header aligned to 4 bytes; unused space
reads 0xff. Variables are appended only; nothing else is rewritten.
"""

import struct
import sys
import uuid

FV_SIGNATURE = b"_FVH"
AUTH_VARIABLE_STORE = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
STORE_FORMATTED = 0x5A
STORE_HEALTHY = 0xFE
VAR_START_ID = 0x55AA
VAR_ADDED = 0x3F
# StartId, State, Reserved, Attributes, MonotonicCount, TimeStamp (EFI_TIME),
# PubKeyIndex, NameSize, DataSize, VendorGuid.
VAR_HEADER = struct.Struct("<HBBIQ16sIII16s")
STORE_HEADER = struct.Struct("<16sIBBHI")

EFI_VARIABLE_NON_VOLATILE = 0x1
EFI_VARIABLE_BOOTSERVICE_ACCESS = 0x2
EFI_VARIABLE_RUNTIME_ACCESS = 0x4
NV_BS_RT = (
    EFI_VARIABLE_NON_VOLATILE
    | EFI_VARIABLE_BOOTSERVICE_ACCESS
    | EFI_VARIABLE_RUNTIME_ACCESS
)

# shim's vendor GUID: MokListRT and the other MOK variables live under it.
SHIM_LOCK_GUID = uuid.UUID("605dab50-e046-4300-abb6-3dd810dd8b23")
EFI_CERT_X509_GUID = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072")
# The owner recorded in each EFI_SIGNATURE_DATA: any GUID will do; this one
# marks the entries the test-bed made.
TESTBED_OWNER_GUID = uuid.UUID("4b53504c-4943-4554-4553-544245443031")


class StoreError(Exception):
    pass


def header_align(offset):
    return (offset + 3) & ~3


class VariableStore:
    def __init__(self, image):
        self.image = bytearray(image)
        if self.image[0x28:0x2C] != FV_SIGNATURE:
            raise StoreError("not a firmware volume (no _FVH signature)")
        self.store = struct.unpack_from("<H", self.image, 0x30)[0]
        guid, size, fmt, state, _, _ = STORE_HEADER.unpack_from(self.image, self.store)
        if uuid.UUID(bytes_le=guid) != AUTH_VARIABLE_STORE:
            raise StoreError("variable store is not in the authenticated format")
        if fmt != STORE_FORMATTED or state != STORE_HEALTHY:
            raise StoreError("variable store is not formatted and healthy")
        self.end = self.store + size
        if self.end > len(self.image):
            raise StoreError("variable store is larger than the file")

    def variables(self):
        """Yields (offset, state, attributes, name, guid, data) of every entry."""
        off = self.store + STORE_HEADER.size
        while off + VAR_HEADER.size <= self.end:
            fields = VAR_HEADER.unpack_from(self.image, off)
            start, state, _, attrs, _, _, _, name_size, data_size, guid = fields
            if start != VAR_START_ID:
                return
            name_at = off + VAR_HEADER.size
            data_at = name_at + name_size
            if data_at + data_size > self.end:
                raise StoreError("variable at 0x%x runs past the store" % off)
            name = self.image[name_at:data_at].decode("utf-16-le").rstrip("\0")
            data = bytes(self.image[data_at : data_at + data_size])
            yield off, state, attrs, name, uuid.UUID(bytes_le=guid), data
            off = header_align(data_at + data_size)

    def free_offset(self):
        off = self.store + STORE_HEADER.size
        for v_off, _, _, name, _, data in self.variables():
            name_size = 2 * (len(name) + 1)
            off = header_align(v_off + VAR_HEADER.size + name_size + len(data))
        return off

    def live(self, name, guid):
        return [
            v
            for v in self.variables()
            if v[1] == VAR_ADDED and v[3] == name and v[4] == guid
        ]

    def append(self, name, guid, attrs, data):
        if self.live(name, guid):
            raise StoreError("variable %s-%s exists already" % (name, guid))
        encoded = (name + "\0").encode("utf-16-le")
        header = VAR_HEADER.pack(
            VAR_START_ID, VAR_ADDED, 0, attrs, 0, bytes(16), 0,
            len(encoded), len(data), guid.bytes_le,
        )
        entry = header + encoded + data
        off = self.free_offset()
        if off + len(entry) > self.end:
            raise StoreError("no room for %s (%d bytes)" % (name, len(entry)))
        if any(b != 0xFF for b in self.image[off : off + len(entry)]):
            raise StoreError("free space at 0x%x is not erased" % off)
        self.image[off : off + len(entry)] = entry


def x509_signature_list(certs):
    """One EFI_SIGNATURE_LIST per certificate (their sizes differ)."""
    out = b""
    for der in certs:
        entry = TESTBED_OWNER_GUID.bytes_le + der
        out += EFI_CERT_X509_GUID.bytes_le
        out += struct.pack("<III", 28 + len(entry), 0, len(entry))
        out += entry
    return out


def looks_like_der_certificate(der):
    # An X.509 certificate is a DER SEQUENCE with a long-form length.
    return len(der) > 4 and der[0] == 0x30 and der[1] in (0x81, 0x82, 0x83)


def cmd_list(path):
    with open(path, "rb") as f:
        store = VariableStore(f.read())
    for off, state, attrs, name, guid, data in store.variables():
        if state == VAR_ADDED:
            print("0x%05x attrs=0x%02x %s-%s %d bytes" % (off, attrs, name, guid, len(data)))


def cmd_enroll_mok(path, cert_paths):
    certs = []
    for cert in cert_paths:
        with open(cert, "rb") as f:
            der = f.read()
        if not looks_like_der_certificate(der):
            raise StoreError("%s: not a DER-encoded certificate" % cert)
        certs.append(der)
    with open(path, "rb") as f:
        store = VariableStore(f.read())
    store.append("MokListRT", SHIM_LOCK_GUID, NV_BS_RT, x509_signature_list(certs))
    with open(path, "r+b") as f:
        f.write(store.image)


def main(argv):
    usage = __doc__.split("\n\n")[1]
    try:
        if len(argv) == 2 and argv[0] == "list":
            cmd_list(argv[1])
        elif len(argv) >= 3 and argv[0] == "enroll-mok":
            cmd_enroll_mok(argv[1], argv[2:])
        else:
            sys.stderr.write("usage:\n%s\n" % usage)
            return 2
    except (OSError, StoreError) as e:
        sys.stderr.write("testbed-efivars: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
