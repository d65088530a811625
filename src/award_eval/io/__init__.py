"""Files in and out: YAML, atomic writes, CSV tables, jury workbooks, the Kolada client."""
