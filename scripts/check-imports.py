#!/usr/bin/env python3
"""Each target imports only the modules it declares in Package.swift (no transitive imports).

Prints every import of a module a target does not declare and exits 1 if there is one. Run by
`make test` (a unit test would have to parse Package.swift the same way)."""
import glob
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = open(os.path.join(root, "Package.swift")).read()
# Product variables of Package.swift and the modules they name.
products = dict(re.findall(r'let (\w+) = Target\.Dependency\.product\(name: "(\w+)"', package))
system = {"Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Synchronization", "Dispatch",
          "Glibc", "Testing", "XCTest"}
problems = 0
for match in re.finditer(r'\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"\s*(?:,\s*dependencies:\s*\[([^\]]*)\])?', package):
    name, dependencies = match.group(1), match.group(2) or ""
    declared = {products.get(word, word) for word in re.findall(r'"?(\w+)"?', dependencies)}
    folder = next((os.path.join(root, base, name) for base in ("Sources", "Tests") if os.path.isdir(os.path.join(root, base, name))), None)
    if folder is None:
        continue
    for path in sorted(glob.glob(folder + "/**/*.swift", recursive=True)):
        for number, line in enumerate(open(path), 1):
            found = re.match(r"^(?:@testable |@_exported |public |internal |package )?import (?:struct |class |enum |func )?(\w+)", line)
            if found and found.group(1) not in declared | system | {name}:
                print(f"{os.path.relpath(path, root)}:{number}: {name} imports {found.group(1)}, which it does not declare in Package.swift")
                problems += 1
sys.exit(1 if problems else 0)
