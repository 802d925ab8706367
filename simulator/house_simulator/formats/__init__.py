"""The vendors' answer formats, one module per vendor: the one place each format is written.

The HTTP server and the history generator both call these functions, so an answer in the
lake is byte for byte what the server would have said at that instant.
"""
