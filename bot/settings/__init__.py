"""Programme settings and who the programme's admins are."""
