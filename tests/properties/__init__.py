"""Property tests that hold the simulator to the theorems (issue 7), with teeth."""
