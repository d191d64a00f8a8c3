"""Ray runtimes for the dojo: the embedded or connected session (ray_runtime) and private
heads started for watch mode and grading (head)."""
