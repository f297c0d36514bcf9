#!/usr/bin/env python3
"""module_match.py OBJECT MODULE.ko: do the functions of a module object built
by ksplice-create (kbuild's module flags plus -ffunction-sections
-fdata-sections) equal those of the shipped module, outside relocation fields?

Each function of OBJECT is compared with the function of that name in
MODULE.ko (a static name the module has several times: with any of them),
instruction by instruction (objdump -d -r): equal bytes outside relocation
fields; each relocation equal in what it refers to (symbol plus the offset
from the end of the instruction, a place in a section named by the symbol
covering it, a merged string by its content); calls and jumps by their target
(one inside the function by instruction index), since the shipped module,
built without -ffunction-sections, has the assembler's short jumps and direct
calls between functions of one file where the object has relocations.
Prints "N of M functions equal" and each function that differs; exits 1 if
any differs or none was compared.
"""
import re
import subprocess
import sys

INSN = re.compile(r"^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$")
FUNC = re.compile(r"^([0-9a-f]+) <(.+)>:$")
RELOC = re.compile(r"([0-9a-f]+): (R_X86_64_\w+)\t(\S+)")
TARGET = re.compile(r"^[0-9a-f]+ <(.+?)(\+0x([0-9a-f]+))?>$")
BRANCH = re.compile(r"^(j\w+|call|jmp)\b")


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


class Obj:
    def __init__(self, path):
        self.path = path
        self.sections = {}  # index -> name
        for line in run("readelf", "-SW", path).splitlines():
            m = re.match(r"^\s*\[\s*(\d+)\]\s+(\S+)", line)
            if m:
                self.sections[int(m.group(1))] = m.group(2)
        self.symbols = {}  # section name -> [(value, size, name)]
        for line in run("readelf", "-sW", path).splitlines():
            f = line.split()
            if len(f) < 8 or not f[0].endswith(":") or not f[6].isdigit():
                continue
            if f[3] not in ("FUNC", "OBJECT") and not (f[3] == "NOTYPE" and f[7]):
                continue
            sec = self.sections.get(int(f[6]))
            if sec:
                self.symbols.setdefault(sec, []).append((int(f[1], 16), int(f[2]), f[7]))
        self.strings = {}
        self.funcs = {}  # name -> [ [ (addr, bytes, text, relocs) ] ]
        self.parse()

    def section_bytes(self, name):
        if name not in self.strings:
            out = run("readelf", "-x", name, self.path)
            data = bytearray()
            for line in out.splitlines():
                m = re.match(r"^\s+0x[0-9a-f]+ ((?:[0-9a-f]{2,8} ){1,4})", line)
                if m:
                    data += bytes.fromhex(m.group(1).replace(" ", ""))
            self.strings[name] = bytes(data)
        return self.strings[name]

    def place(self, section, offset):
        """A place in a section, by the symbols covering it: those that
        start at the covering symbol's address (empty variables, lockdep's
        __key.N without lockdep, share an address in the linked module) and
        those that end there (a loop's end pointer, one past an array, is
        the next variable's address in the module)."""
        if re.match(r"^\.rodata(\..*)?\.str\d", section):
            data = self.section_bytes(section)
            end = data.find(b"\0", offset)
            return "str:" + data[offset:end].decode("latin-1")
        symbols = self.symbols.get(section, [])
        best = None
        for value, size, name in symbols:
            if value <= offset < value + max(size, 1) and (best is None or value > best):
                best = value
        names = set()
        if best is not None:
            names |= {"%s+%d" % (n, offset - best) for v, z, n in symbols if v == best}
        names |= {"%s+%d" % (n, z) for v, z, n in symbols if z and v + z == offset}
        return "|".join(sorted(names)) if names else "%s+%d" % (section, offset)

    def parse(self):
        current = None
        section = None
        end = None
        for line in run("objdump", "-d", "-r", "-w", self.path).splitlines():
            if line.startswith("Disassembly of section "):
                section = line[len("Disassembly of section "):-1]
                continue
            m = FUNC.match(line)
            if m:
                current = []
                start = int(m.group(1), 16)
                size = [z for v, z, n in self.symbols.get(section, [])
                        if v == start and n == m.group(2)]
                end = start + size[0] if size and size[0] else None
                self.funcs.setdefault(m.group(2), []).append((section, current))
                continue
            m = INSN.match(line)
            if m and current is not None and end is not None and int(m.group(1), 16) >= end:
                continue  # padding up to the next function
            if m and current is not None:
                text = m.group(3)
                relocs = RELOC.findall(text)
                text = text.split("\t")[0].strip()
                current.append([int(m.group(1), 16), bytes.fromhex(m.group(2).replace(" ", "")),
                                text, relocs])
            elif current is not None and line.strip() and RELOC.search(line) and current:
                current[-1][3] += RELOC.findall(line)

    def target(self, name_addend, insn_end, field):
        """What a relocation refers to: for pc-relative ones, as seen from
        the end of the instruction."""
        m = re.match(r"^(.*?)([+-]0x[0-9a-f]+)?$", name_addend)
        name, addend = m.group(1), int(m.group(2) or "0", 16)
        return name, addend, insn_end - field

    def normalize(self, section, insns):
        start = insns[0][0]
        index = {addr - start: i for i, (addr, _, _, _) in enumerate(insns)}
        out = []
        for addr, code, text, relocs in insns:
            masked = bytearray(code)
            refs = []
            for off, kind, sym in relocs:
                field = int(off, 16) - addr
                width = 8 if kind == "R_X86_64_64" else 4
                masked[field:field + width] = b"\0" * width
                name, addend, bias = self.target(sym, addr + len(code), int(off, 16))
                if kind in ("R_X86_64_PC32", "R_X86_64_PLT32"):
                    addend += bias
                if name in self.sections.values():
                    refs.append(self.place(name, addend))
                elif name.startswith(".text.") or name.startswith(".rodata."):
                    refs.append(self.place(name, addend))
                else:
                    refs.append("%s+%d" % (name, addend))
            b = BRANCH.match(text)
            operand = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
            t = TARGET.match(operand.strip())
            if b and not relocs and t:
                off = int(t.group(3) or "0", 16)
                here = t.group(1)
                if here == insns_owner(self, section, start):
                    refs.append("L%s" % index.get(off, "?%d" % off))
                else:
                    refs.append("%s+%d" % (here, off))
                out.append((b.group(1), tuple(refs)))
            elif b and relocs:
                out.append((b.group(1), tuple(refs)))
            else:
                out.append((bytes(masked), tuple(refs)))
        return out


def same_insn(a, b):
    """One instruction equal; a reference may name any of the symbols at
    its address, on either side."""
    (code_a, refs_a), (code_b, refs_b) = a, b
    if code_a != code_b or len(refs_a) != len(refs_b):
        return False
    return all(x == y or set(x.split("|")) & set(y.split("|"))
               for x, y in zip(refs_a, refs_b))


def same(mine, theirs):
    return len(mine) == len(theirs) and all(map(same_insn, mine, theirs))


def insns_owner(obj, section, start):
    for value, _, name in obj.symbols.get(section, []):
        if value == start and name in obj.funcs:
            return name
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    obj, ko = Obj(sys.argv[1]), Obj(sys.argv[2])
    total = equal = 0
    differ = []
    for name, copies in sorted(obj.funcs.items()):
        for section, insns in copies:
            if not insns:
                continue
            total += 1
            mine = obj.normalize(section, insns)
            theirs = [ko.normalize(s, i) for s, i in ko.funcs.get(name, []) if i]
            if any(same(mine, t) for t in theirs):
                equal += 1
                continue
            why = "absent from the module" if not theirs else "differs"
            for t in theirs:
                for k, (a, b) in enumerate(zip(mine, t)):
                    if not same_insn(a, b):
                        why = "instruction %d: %r vs %r" % (k, a, b)
                        break
                else:
                    why = "%d vs %d instructions" % (len(mine), len(t))
            differ.append("%s: %s" % (name, why))
    for line in differ:
        print("differs: " + line)
    print("%d of %d functions equal" % (equal, total))
    return 0 if total and equal == total else 1


if __name__ == "__main__":
    sys.exit(main())
