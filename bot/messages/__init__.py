"""Block Kit builders, one module per surface. Every user-typed string goes through `bot.messages.escaping.escape`."""
