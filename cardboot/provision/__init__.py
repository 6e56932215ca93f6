"""Work on a whole card: inspect it, locate, write and verify the bootstrap."""
