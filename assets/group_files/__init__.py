"""Reading uploaded group files: machinery for the groups asset, not assets themselves.

``reading.parse_group_file`` turns a file into one line each, ``references.parse_reference``
reads a single community reference; ``decoding``, ``tables`` and ``xlsx`` are their parts.
"""
