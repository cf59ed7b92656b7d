"""The runtime: app wiring, configuration, services, the clock, CLI, server, scheduler and jobs."""
