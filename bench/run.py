#!/usr/bin/env python3
"""How fast domlint is against the tools people would use instead (issue #7).

    python bench/run.py [--rounds 5] [--fresh-venv] [--corpus DIR]

Builds a corpus in a temporary folder (every .xml of the libvirt 9.0.0 test domains, and 10,000
copies made by cycling through them), then runs domlint and its peers on the same files in the
same run, alternating their order round by round, and prints medians and paired ratios (the
median of each round's ratio), one figure line per target of the issue with PASS or MISS:

- 10,000 files, all rules: `domlint check` (one process) against
  `xmllint --noout --relaxng /usr/share/libvirt/schemas/domain.rng FILES...` (one process) and
  against `virt-xml-validate` (one process per file: a sample, timed per file);
- per file in one process: `engine.lint` against lxml's parser alone (the floor);
- one file, whole process: `domlint check one.xml` against `python -c "import click, lxml.etree"`
  (the imports any design needs) and `virt-xml-validate one.xml`;
- five files in one invocation against `virt-xml-validate` on each;
- peak memory (ru_maxrss of the process) for a folder of 100 files and one of 10,000 (`--jobs 1`:
  one process does all the work);
- the language server's re-lint of a 300-line domain after a change (median `engine.lint`).

It never fails on a wall clock: the machine is whatever it is (and often busy), so only the
ratios between tools measured side by side count. Not part of the test run. The peers come from
`apt-get install libvirt-clients libxml2-utils`; a missing one is reported and skipped.

`--fresh-venv` first installs domlint (`pip install .`, no extras) into a new virtual
environment and measures that, as a user has it; otherwise the interpreter running this script
is used, with its `domlint` command. Either way domlint's bytecode is compiled first, as `pip
install` does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "libvirt-9.0.0"
LIBVIRT_DOMAIN_RNG = Path("/usr/share/libvirt/schemas/domain.rng")
MANY = 10_000
FEW = 100
ONE = ("qemuxml2argvdata/q35.xml", "qemuxml2argvdata/minimal.xml")
FIVE = (
    "qemuxml2argvdata/q35.xml",
    "qemuxml2argvdata/boot-menu-enable.xml",
    "qemuxml2argvdata/boot-cdrom.xml",
    "qemuxml2argvdata/minimal.xml",
    "qemuxml2argvdata/boot-network.xml",
)
WARM_UP = (
    b"<domain type='kvm'><name>warm</name><os><type>hvm</type><boot dev='hd'/></os></domain>",
    b"<domain type='kvm'><name>warm</name><os><type arch='x86_64'>hvm</type><boot dev='cdrom'/><boot dev='cdrom'/>"
    b"<bootmenu enabled='yes'/><bios rebootTimeout='70000' useserial='yes'/><bootmnu/></os>"
    b"<!-- domlint: disable=unknown-element --><devices><disk device='disk'><boot order='x'/></disk></devices></domain>",
)
PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)


# In-process measurements (run by the interpreter under test) -------------------------------------


def inprocess(arguments: list[str]) -> None:
    """`run.py --inprocess ORDER FILES_LIST DOMAIN300`: one round of the per-file and language
    server measurements, in a fresh process, printed as JSON."""
    order, listing, domain_path = arguments
    from lxml import etree

    from domlint import engine

    paths = Path(listing).read_text(encoding="utf-8").splitlines()
    datas = [Path(p).read_bytes() for p in paths]
    parser = etree.XMLParser(**PARSER_OPTIONS)
    options = engine.Options()
    # Warm up what a long run pays once (the grammar, and what findings need: the grammar's
    # patterns, positions, suggestions), on documents outside the corpus.
    for warm in WARM_UP:
        engine.lint(warm, "warm.xml", options)

    def parse_all() -> float:
        start = time.perf_counter()
        for data in datas:
            try:  # noqa: SIM105 - contextlib.suppress would slow the floor down
                etree.fromstring(data, parser)
            except etree.XMLSyntaxError:
                pass
        return (time.perf_counter() - start) / len(datas)

    def lint_all() -> float:
        start = time.perf_counter()
        for data, path in zip(datas, paths):
            engine.lint(data, path, options)
        return (time.perf_counter() - start) / len(datas)

    timings = {}
    for what in order.split(","):
        timings[what] = parse_all() if what == "parse" else lint_all()

    # The language server: the same 300-line domain re-linted after each change (a new value in
    # <os>, so no verdict is reused), as the server does on every keystroke.
    text = Path(domain_path).read_text(encoding="utf-8")
    relints = []
    for index in range(300):
        changed = text.replace("timeout='3000'", f"timeout='{3000 + index}'").encode()
        start = time.perf_counter()
        engine.lint(changed, "domain300.xml", options)
        relints.append(time.perf_counter() - start)
    timings["relint"] = statistics.median(relints[20:])
    print(json.dumps(timings))


# The harness ------------------------------------------------------------------------------------


def run_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def peak_memory(command: list[str]) -> int:
    """ru_maxrss of the process (KiB on Linux), read from its own rusage."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_maxrss


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(value: float, target: float, at_most: bool) -> str:
    return "PASS" if (value <= target if at_most else value >= target) else "MISS"


def build_corpus(corpus: Path, folder: Path) -> tuple[list[Path], list[Path], Path, Path]:
    sources = sorted(corpus.rglob("*.xml"))
    if not sources:
        sys.exit(f"bench: no .xml under {corpus} (give --corpus)")
    distinct = folder / "corpus"
    many = folder / "many"
    distinct.mkdir()
    many.mkdir()
    originals = []
    for index, source in enumerate(sources):
        target = distinct / f"{index:04d}-{source.parent.name}-{source.name}"
        shutil.copyfile(source, target)
        originals.append(target)
    copies = []
    for index in range(MANY):
        target = many / f"{index:05d}-{sources[index % len(sources)].name}"
        shutil.copyfile(sources[index % len(sources)], target)
        copies.append(target)
    few = folder / "few"
    few.mkdir()
    for target in copies[:FEW]:
        shutil.copyfile(target, few / target.name)
    return originals, copies, few, many


def domain300(folder: Path) -> Path:
    """A realistic 300-line domain: UEFI <os>, features, CPU, and devices; one warning in it."""
    head = """<domain type='kvm'>
  <name>editor</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>4194304</memory>
  <currentMemory unit='KiB'>4194304</currentMemory>
  <vcpu placement='static'>4</vcpu>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <firmware>
      <feature enabled='yes' name='secure-boot'/>
      <feature enabled='yes' name='enrolled-keys'/>
    </firmware>
    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/editor_VARS.fd</nvram>
    <boot dev='hd'/>
    <boot dev='network'/>
    <bootmenu enable='yes' timeout='3000'/>
    <smbios mode='sysinfo'/>
  </os>
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>Example</entry>
      <entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809</entry>
    </system>
  </sysinfo>
  <features>
    <acpi/>
    <apic/>
    <smm state='on'/>
  </features>
  <cpu mode='host-passthrough' check='none' migratable='on'/>
  <clock offset='utc'>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
"""
    disk = """    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='/var/lib/libvirt/images/editor-{n}.qcow2'/>
      <target dev='vd{letter}' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x{n:02x}' slot='0x00' function='0x0'/>
    </disk>
"""
    tail = """    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
  </devices>
</domain>
"""
    text, index = head, 0
    while (text + disk + tail).count("\n") <= 300:
        text += disk.format(n=index + 1, letter=chr(ord("a") + index % 26))
        index += 1
    padding = 300 - (text + tail).count("\n")
    text += "    <!-- room for the next device -->\n" * padding + tail
    path = folder / "domain300.xml"
    path.write_text(text, encoding="utf-8")
    return path


def fresh_venv(folder: Path) -> Path:
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    return python


def domlint_command(python: Path) -> list[str]:
    script = python.parent / "domlint"
    return [str(script)] if script.exists() else [str(python), "-m", "domlint"]


def compile_bytecode(python: Path) -> None:
    """pip compiles an installed package's modules; an editable install's are compiled here."""
    where = subprocess.run(
        [str(python), "-c", "import domlint, os; print(os.path.dirname(domlint.__file__))"], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run([str(python), "-m", "compileall", "-q", where], stdout=subprocess.DEVNULL, check=False)


def describe_machine(python: Path) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = subprocess.run(
        [
            str(python),
            "-c",
            "import sys, lxml.etree as e, click, importlib.metadata as m;"
            "print(sys.version.split()[0], '.'.join(map(str, e.LXML_VERSION[:3])), '.'.join(map(str, e.LIBXML_VERSION)),"
            " m.version('click'), m.version('domlint'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = shutil.which("xmllint")
    xmllint = "no xmllint"
    if found:
        xmllint = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stderr.split("\n")[0]
    return (
        f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {cpu}; {platform.system()} {platform.release()}\n"
        f"python {versions[0]}, lxml {versions[1]} (libxml2 {versions[2]}), click {versions[3]}, domlint {versions[4]}; "
        f"{xmllint.strip()}"
    )


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--rounds", type=int, default=5, help="rounds of every measurement (default 5)")
    arguments.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of domain XML (default: the shared libvirt corpus)")
    arguments.add_argument("--fresh-venv", action="store_true", help="measure a fresh `pip install .` in a new virtual environment")
    arguments.add_argument("--python", type=Path, default=Path(sys.executable), help="the interpreter domlint is installed in")
    arguments.add_argument("--sample", type=int, default=50, help="files timed with virt-xml-validate per round (default 50)")
    if len(sys.argv) > 1 and sys.argv[1] == "--inprocess":
        inprocess(sys.argv[2:])
        return
    options = arguments.parse_args()
    rounds = max(1, options.rounds)

    with tempfile.TemporaryDirectory(prefix="domlint-bench-") as temporary:
        folder = Path(temporary)
        python = fresh_venv(folder) if options.fresh_venv else options.python
        compile_bytecode(python)
        domlint = domlint_command(python)
        originals, copies, few_folder, many_folder = build_corpus(options.corpus, folder)
        one = next((p for name in ONE if (p := _corpus_file(originals, name))), originals[0])
        five = [p for name in FIVE if (p := _corpus_file(originals, name))] or originals[:5]
        listing = folder / "corpus.txt"
        listing.write_text("\n".join(str(p) for p in originals) + "\n", encoding="utf-8")
        editor_domain = domain300(folder)
        many = [str(p) for p in copies]

        xmllint = shutil.which("xmllint") if LIBVIRT_DOMAIN_RNG.exists() else None
        validate = shutil.which("virt-xml-validate")
        print(describe_machine(python))
        print(f"corpus: {len(originals)} files from {options.corpus}, {MANY} copies; {rounds} rounds; domlint: {' '.join(domlint)}")
        if xmllint is None:
            print(f"xmllint or {LIBVIRT_DOMAIN_RNG} missing (apt-get install libxml2-utils libvirt-clients): skipped")
        if validate is None:
            print("virt-xml-validate missing (apt-get install libvirt-clients): skipped")

        floor_command = [str(python), "-c", "import click, lxml.etree"]
        results: dict[str, list[float]] = {}

        def record(key: str, value: float) -> None:
            results.setdefault(key, []).append(value)

        for round_index in range(rounds):
            flip = round_index % 2 == 1
            # 10,000 files in one process each.
            pair = [("domlint", domlint + ["check", *many]), ("xmllint", [xmllint, "--noout", "--relaxng", str(LIBVIRT_DOMAIN_RNG), *many])]
            pair.append(("domlint-serial", domlint + ["check", "--jobs", "1", *many]))
            for key, command in reversed(pair) if flip else pair:
                if key == "xmllint" and xmllint is None:
                    continue
                record(f"many.{key}", run_time(command))
            # virt-xml-validate on a sample, one process per file.
            if validate:
                sample = many[round_index * options.sample : (round_index + 1) * options.sample]
                start = time.perf_counter()
                for path in sample:
                    run_time([validate, path])
                record("many.vxv_per_file", (time.perf_counter() - start) / len(sample))
            # One file, whole process: alternate the three, ten times each.
            singles: dict[str, list[float]] = {}
            commands = [("domlint", domlint + ["check", str(one)]), ("floor", floor_command)]
            if validate:
                commands.append(("vxv", [validate, str(one)]))
            for repeat in range(10):
                for key, command in reversed(commands) if (repeat + round_index) % 2 else commands:
                    singles.setdefault(key, []).append(run_time(command))
            for key, values in singles.items():
                record(f"one.{key}", median(values))
            # Five files in one invocation against virt-xml-validate on each.
            if validate:
                fives: dict[str, list[float]] = {"domlint": [], "vxv": []}
                for repeat in range(5):
                    order = ["vxv", "domlint"] if (repeat + round_index) % 2 else ["domlint", "vxv"]
                    for key in order:
                        if key == "domlint":
                            fives[key].append(run_time(domlint + ["check", *map(str, five)]))
                        else:
                            fives[key].append(sum(run_time([validate, str(p)]) for p in five))
                record("five.domlint", median(fives["domlint"]))
                record("five.vxv", median(fives["vxv"]))
            # Per file in one process, and the language server's re-lint: a fresh process per round.
            order = "lint,parse" if flip else "parse,lint"
            output = subprocess.run(
                [str(python), str(Path(__file__).resolve()), "--inprocess", order, str(listing), str(editor_domain)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for key, value in json.loads(output).items():
                record(f"inprocess.{key}", value)
            # Peak memory, serial: the whole run in one process.
            if round_index < 3:
                memory = [
                    ("few", domlint + ["check", "--jobs", "1", str(few_folder)]),
                    ("many", domlint + ["check", "--jobs", "1", str(many_folder)]),
                ]
                for key, command in reversed(memory) if flip else memory:
                    record(f"memory.{key}", peak_memory(command))
            print(f"round {round_index + 1}/{rounds} done", file=sys.stderr)

        report(results, validate is not None, xmllint is not None)


def _corpus_file(originals: list[Path], relative: str) -> Path | None:
    folder, name = relative.split("/")
    return next((p for p in originals if p.name.endswith(f"-{folder}-{name}")), None)


def paired(results: dict[str, list[float]], top: str, bottom: str) -> float:
    return median([a / b for a, b in zip(results[top], results[bottom])])


def report(results: dict[str, list[float]], validate: bool, xmllint: bool) -> None:
    ms = 1000.0
    print()
    print("figures (medians over the rounds; ratios are the median of each round's ratio):")
    domlint_many = median(results["many.domlint"])
    serial_many = median(results["many.domlint-serial"])
    if xmllint:
        ratio = paired(results, "many.domlint", "many.xmllint")
        print(
            f"10,000 files, all rules, one process: domlint check {domlint_many:.2f} s vs xmllint --relaxng domain.rng "
            f"{median(results['many.xmllint']):.2f} s: {ratio:.2f}x (target <= 1.00x) {verdict(ratio, 1.0, True)}"
        )
    if validate:
        per_file = domlint_many / MANY
        vxv = median(results["many.vxv_per_file"])
        ratio = median([v / (d / MANY) for v, d in zip(results["many.vxv_per_file"], results["many.domlint"])])
        print(
            f"10,000 files, per file: virt-xml-validate {vxv * ms:.1f} ms vs domlint {per_file * ms:.3f} ms: "
            f"{ratio:.0f}x faster (target >= 50x) {verdict(ratio, 50, False)}"
        )
    ratio = paired(results, "inprocess.lint", "inprocess.parse")
    print(
        f"per file, in one process: engine.lint {median(results['inprocess.lint']) * ms:.3f} ms vs lxml parse "
        f"{median(results['inprocess.parse']) * ms:.3f} ms: {ratio:.2f}x (target <= 3.00x) {verdict(ratio, 3.0, True)}"
    )
    ratio = paired(results, "one.domlint", "one.floor")
    vxv_one = f", virt-xml-validate {median(results['one.vxv']) * ms:.1f} ms" if validate else ""
    print(
        f'one file, whole process: domlint check {median(results["one.domlint"]) * ms:.1f} ms vs python -c "import click, '
        f'lxml.etree" {median(results["one.floor"]) * ms:.1f} ms{vxv_one}: {ratio:.2f}x (target <= 1.50x) {verdict(ratio, 1.5, True)}'
    )
    if validate:
        ratio = paired(results, "five.domlint", "five.vxv")
        print(
            f"five files, one invocation: domlint check {median(results['five.domlint']) * ms:.1f} ms vs virt-xml-validate on each "
            f"{median(results['five.vxv']) * ms:.1f} ms: {ratio:.2f}x (target < 1.00x) {verdict(ratio, 0.999, True)}"
        )
    ratio = paired(results, "memory.many", "memory.few")
    print(
        f"peak memory, --jobs 1: a folder of 10,000 files {median(results['memory.many']) / 1024:.1f} MiB vs of 100 files "
        f"{median(results['memory.few']) / 1024:.1f} MiB: {ratio:.2f}x (target <= 1.20x) {verdict(ratio, 1.2, True)}"
    )
    relint = median(results["inprocess.relint"]) * ms
    print(f"language server re-lint, 300-line domain: median {relint:.2f} ms (target < 2 ms) {verdict(relint, 1.999, True)}")
    print()
    print("for reference:")
    print(
        f"10,000 files: domlint --jobs 1 {serial_many:.2f} s, default (auto) {domlint_many:.2f} s "
        f"({paired(results, 'many.domlint-serial', 'many.domlint'):.2f}x from the workers)"
    )
    if validate:
        one_vxv, one_domlint = median(results["one.vxv"]) * ms, median(results["one.domlint"]) * ms
        print(f"one file: virt-xml-validate {one_vxv:.1f} ms, domlint check {one_domlint:.1f} ms")


if __name__ == "__main__":
    main()
