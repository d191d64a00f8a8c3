"""What kata tests use: probes, heartbeats, gates, timelines, teaching messages, timing,
waiting, simulated services, and the todo() marker of the stubs."""
