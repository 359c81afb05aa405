#! /usr/bin/env python3
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
"""schema-columns.py EXTENSION

Prints the names of the columns that flowexport's schema EXTENSION adds,
one a line, sorted (for tests)."""

import json
import sys

ext = json.load(open(sys.argv[1]))
columns = set()
for table in ext.get("tables", {}).values():
    columns |= set(table["columns"])
for shared in ext.get("sharedColumns", []):
    columns |= set(shared["columns"])
print("\n".join(sorted(columns)))
