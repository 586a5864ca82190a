"""Who is calling: principals (users, display screens, API tokens) and their territorial scope."""
