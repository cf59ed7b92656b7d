"""Named queries: the only place SQL is built. Each function takes a Session and returns models or rows."""
