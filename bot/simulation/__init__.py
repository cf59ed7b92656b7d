"""The offline simulation: a Web API stand-in, a request driver, the demo.

Imported only by the CLI's demo entry and by tests (an import-linter contract checks it)."""
