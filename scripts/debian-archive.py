#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Print the URI of the Debian archive this machine's own apt sources use for
# its release (the entry whose suites include the release's codename, e.g.
# "bookworm"), so that the private apt configurations of the tooling reach
# the same mirror without any host name being written into the repository.
# Reads /etc/apt/sources.list, sources.list.d/*.list (one-line format) and
# sources.list.d/*.sources (deb822).  Exit status 1 when none is found.

import glob
import sys


def codename():
    with open("/etc/os-release") as f:
        for line in f:
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return None


def one_line_entries(path):
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words or words[0] != "deb":
                continue
            words = words[1:]
            if words and words[0].startswith("["):
                while words and not words[0].endswith("]"):
                    words = words[1:]
                words = words[1:]
            if len(words) >= 2:
                yield ["deb"], [words[0]], [words[1]]


def deb822_entries(path):
    with open(path) as f:
        stanzas = f.read().split("\n\n")
    for stanza in stanzas:
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.split()
        if fields.get("enabled", ["yes"])[0].lower() == "no":
            continue
        yield fields.get("types", []), fields.get("uris", []), fields.get("suites", [])


def main():
    release = codename()
    if not release:
        print("debian-archive: no VERSION_CODENAME in /etc/os-release", file=sys.stderr)
        return 1
    files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    entries = []
    for path in files:
        try:
            entries += list(one_line_entries(path))
        except OSError:
            pass
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        entries += list(deb822_entries(path))
    for types, uris, suites in entries:
        if "deb" in types and release in suites and uris:
            print(uris[0].rstrip("/"))
            return 0
    print(f"debian-archive: no apt source for {release} on this machine", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
